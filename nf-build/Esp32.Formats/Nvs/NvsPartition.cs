using Esp32.Formats.Flash;

namespace Esp32.Formats.Nvs;

/// <summary>
/// Flash access of an NVS partition (nvs::NVSPartition, src/nvs_partition.cpp). <see cref="Read"/> and
/// <see cref="Write"/> carry entries (the encrypted subclass transforms them); <see cref="ReadRaw"/> and
/// <see cref="WriteRaw"/> carry page headers and entry-state bitmaps, which are never encrypted.
/// Offsets are relative to the partition start.
/// </summary>
public class NvsPartition
{
    /// <summary>Wraps a flash window holding exactly the partition.</summary>
    /// <param name="flash">The partition's bytes; its size must be a positive multiple of 4096.</param>
    /// <param name="readOnly">The partition table's <c>readonly</c> flag: load then skips all power-loss repairs.</param>
    public NvsPartition(IFlashIo flash, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (flash.Size <= 0 || flash.Size % NvsConstants.PageSize != 0)
            throw new Esp32FormatException($"NVS partition size 0x{flash.Size:X} is not a positive multiple of 0x1000 (one page per 4 KB sector)");
        Flash = flash;
        ReadOnly = readOnly;
    }

    /// <summary>The underlying flash window.</summary>
    public IFlashIo Flash { get; }

    /// <summary>Partition size in bytes.</summary>
    public int Size => Flash.Size;

    /// <summary>Number of 4 KB pages.</summary>
    public int PageCount => Flash.Size / NvsConstants.PageSize;

    /// <summary>Partition-table read-only flag (NVSPartition::get_readonly).</summary>
    public bool ReadOnly { get; }

    /// <summary>Whether entries are XTS-encrypted.</summary>
    public virtual bool IsEncrypted => false;

    /// <summary>esp_partition_read_raw: bytes exactly as stored.</summary>
    public void ReadRaw(int offset, Span<byte> destination) => Flash.Read(offset, destination);

    /// <summary>esp_partition_write_raw: programs bytes as given.</summary>
    public void WriteRaw(int offset, ReadOnlySpan<byte> data) => Flash.Write(offset, data);

    /// <summary>esp_partition_erase_range.</summary>
    public void EraseRange(int offset, int length) => Flash.Erase(offset, length);

    /// <summary>Reads entry data (a multiple of 16 bytes, as NVSPartition::read requires).</summary>
    public virtual void Read(int offset, Span<byte> destination)
    {
        if (destination.Length % 16 != 0) throw new ArgumentException("NVS entry reads are multiples of 16 bytes");
        Flash.Read(offset, destination);
    }

    /// <summary>Writes entry data (a multiple of 16 bytes) as one flash write.</summary>
    public virtual void Write(int offset, ReadOnlySpan<byte> data)
    {
        if (data.Length % 16 != 0) throw new ArgumentException("NVS entry writes are multiples of 16 bytes");
        Flash.Write(offset, data);
    }
}
