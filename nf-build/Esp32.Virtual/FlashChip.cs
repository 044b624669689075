using Esp32.Formats.Flash;

namespace Esp32.Virtual;

/// <summary>
/// The SPI NOR flash chip: raw bytes as `esptool read_flash` sees them. Every write and erase goes through
/// a <see cref="PowerCutFlash"/>, so a test can cut power after the N-th operation and find a torn sector,
/// as a real brown-out leaves it.
/// </summary>
public sealed class FlashChip
{
    /// <summary>The Lolin32's flash size.</summary>
    public const int DefaultSize = 4 * 1024 * 1024;

    private readonly MemoryFlash _cells;

    public FlashChip(int size = DefaultSize) : this(new MemoryFlash(size))
    {
    }

    private FlashChip(MemoryFlash cells)
    {
        _cells = cells;
        Io = new PowerCutFlash(cells);
    }

    /// <summary>Wraps an image (e.g. a 4 MB file); its length must be a multiple of 4 KB.</summary>
    public static FlashChip FromImage(byte[] image) => new(new MemoryFlash(image));

    /// <summary>All access to the chip; power cuts are armed here.</summary>
    public PowerCutFlash Io { get; }

    public int Size => _cells.Size;

    /// <summary>A copy of the raw contents (esptool read_flash).</summary>
    public byte[] Dump() => (byte[])_cells.Contents.Clone();

    /// <summary>Raw bytes of a range (esptool read_flash ADDRESS SIZE).</summary>
    public byte[] Dump(int address, int length) => _cells.Contents.AsSpan(address, length).ToArray();
}
