namespace Esp32.Formats.AppImage;

/// <summary>One segment of a parsed image: an 8-byte header (<c>esp_image_segment_header_t</c>: load_addr,
/// data_len) followed by the data.</summary>
/// <param name="Index">Position in the image (0-based, padding segments included).</param>
/// <param name="LoadAddress">load_addr (0 for a padding segment).</param>
/// <param name="HeaderOffset">Image offset of the segment header (what esptool image-info calls "File offs").</param>
/// <param name="Data">The segment data (data_len bytes, starting at <see cref="DataOffset"/>).</param>
public sealed record AppImageSegment(int Index, uint LoadAddress, int HeaderOffset, ReadOnlyMemory<byte> Data)
{
    /// <summary>Size of the segment header.</summary>
    public const int HeaderSize = 8;

    /// <summary>data_len.</summary>
    public int Length => Data.Length;

    /// <summary>Image offset of the first data byte.</summary>
    public int DataOffset => HeaderOffset + HeaderSize;

    /// <summary>The esptool memory types of <see cref="LoadAddress"/> (e.g. "DROM"; "BYTE_ACCESSIBLE", "DRAM").</summary>
    public IReadOnlyList<string> MemoryTypes => Esp32MemoryMap.MemoryTypes(LoadAddress);

    /// <summary>The memory types joined as esptool image-info prints them ("BYTE_ACCESSIBLE, DRAM").</summary>
    public string MemoryRegion => string.Join(", ", MemoryTypes);

    /// <summary>Mapped from flash through the cache (IROM/DROM) rather than loaded into RAM.</summary>
    public bool IsFlashMapped => Esp32MemoryMap.IsFlashMapped(LoadAddress);

    /// <inheritdoc />
    public bool Equals(AppImageSegment? other) =>
        other is not null && Index == other.Index && LoadAddress == other.LoadAddress && HeaderOffset == other.HeaderOffset
        && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Index, LoadAddress, HeaderOffset, Data.Length);

    /// <inheritdoc />
    public override string ToString() =>
        $"segment {Index}: load 0x{LoadAddress:X8} length 0x{Length:X} at file offset 0x{HeaderOffset:X} {MemoryRegion}";
}
