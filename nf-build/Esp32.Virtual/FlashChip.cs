using Esp32.Formats.Flash;

namespace Esp32.Virtual;

/// <summary>
/// The SPI NOR flash chip: raw bytes as `esptool read_flash` sees them. Every write and erase goes through
/// a <see cref="PowerCutFlash"/>, so a test can cut power after the N-th operation and find a torn sector,
/// as a real brown-out leaves it. The cells are a dense 4 MB array (<see cref="MemoryFlash"/>) or, for fleet
/// simulations, a <see cref="SparseFlash"/> that holds only the sectors written since their last erase.
/// </summary>
public sealed class FlashChip
{
    /// <summary>The Lolin32's flash size.</summary>
    public const int DefaultSize = 4 * 1024 * 1024;

    private readonly IFlashIo _cells;

    public FlashChip(int size = DefaultSize) : this(new MemoryFlash(size))
    {
    }

    private FlashChip(IFlashIo cells)
    {
        _cells = cells;
        Io = new PowerCutFlash(cells);
    }

    /// <summary>Wraps an image (e.g. a 4 MB file); its length must be a multiple of 4 KB.</summary>
    public static FlashChip FromImage(byte[] image) => new(new MemoryFlash(image));

    /// <summary>A blank chip whose untouched sectors take no memory.</summary>
    public static FlashChip CreateSparse(int size = DefaultSize) => new(new SparseFlash(size));

    /// <summary>A sparse copy of this chip's contents (erased sectors dropped).</summary>
    public FlashChip ToSparse() => new(_cells is SparseFlash ? SparseFlash.From(Dump()) : SparseFlash.From(((MemoryFlash)_cells).Contents));

    /// <summary>All access to the chip; power cuts are armed here.</summary>
    public PowerCutFlash Io { get; }

    public int Size => _cells.Size;

    /// <summary>Bytes of memory the cells hold (the chip size when dense).</summary>
    public long ResidentBytes => _cells is SparseFlash sparse ? sparse.AllocatedBytes : _cells.Size;

    /// <summary>A copy of the raw contents (esptool read_flash).</summary>
    public byte[] Dump() => _cells switch
    {
        MemoryFlash dense => (byte[])dense.Contents.Clone(),
        SparseFlash sparse => sparse.ToArray(),
        _ => throw new InvalidOperationException("unknown flash cells"),
    };

    /// <summary>Raw bytes of a range (esptool read_flash ADDRESS SIZE).</summary>
    public byte[] Dump(int address, int length)
    {
        var bytes = new byte[length];
        _cells.Read(address, bytes);
        return bytes;
    }
}
