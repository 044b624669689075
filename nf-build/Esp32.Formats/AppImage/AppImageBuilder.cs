using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Esp32.Formats.AppImage;

/// <summary>
/// Writes an ESP32 app image the way esptool v5 <c>elf2image</c> saves one
/// (esptool/bin_image.py <c>ESP32FirmwareImage.save</c>, no secure padding, no RAM-only header): the app
/// description opens the first flash (DROM) segment so it lands at offset 0x20; flash-mapped segments
/// (IROM/DROM, by address) are placed so that file offset ≡ load address (mod 64 KB), the gaps filled with
/// pieces of RAM segments or zero padding segments (load address 0); each flash segment ending less than
/// 0x24 bytes into a 64 KB page is zero-extended (the ESP32 bootloader workaround); the remaining RAM
/// segments follow; then zero padding, the XOR checksum as the last byte of a 16-byte block, the final
/// segment count in the header, and the SHA-256 of all of it.
/// </summary>
public sealed class AppImageBuilder
{
    private const int SegmentHeaderSize = AppImageSegment.HeaderSize;
    private const int PageSize = Esp32MemoryMap.MmuPageSize;
    private const int Esp32MappingWorkaroundBytes = 0x24;

    private readonly List<(uint Address, byte[] Data)> _segments = [];

    /// <param name="description">The app description to embed at offset 0x20.</param>
    public AppImageBuilder(AppDescription description)
    {
        Description = description ?? throw new ArgumentNullException(nameof(description));
    }

    /// <summary>The app description (the start of the first DROM segment).</summary>
    public AppDescription Description { get; }

    /// <summary>Header settings; SegmentCount and HashAppended are filled in by <see cref="Build"/>.</summary>
    public AppImageHeader Header { get; set; } = new();

    /// <summary>Append the SHA-256 (esptool default; ESP-IDF apps always have it).</summary>
    public bool AppendSha256 { get; set; } = true;

    /// <summary>Load address of the description, i.e. of <c>.flash.rodata</c>: DROM start + 0x20.</summary>
    public uint DescriptionAddress { get; set; } = Esp32MemoryMap.DromMapStart + AppDescription.ImageOffset;

    /// <summary>Read-only data that follows the description in the same DROM segment.</summary>
    public byte[] RodataAfterDescription { get; set; } = [];

    /// <summary>Adds a segment (IROM/DROM ones are flash-mapped, others are loaded into RAM).</summary>
    public AppImageBuilder AddSegment(uint loadAddress, ReadOnlySpan<byte> data)
    {
        _segments.Add((loadAddress, data.ToArray()));
        return this;
    }

    /// <summary>Builds the image.</summary>
    /// <exception cref="Esp32FormatException">Two flash segments in one 64 KB page, a segment of 16 MB or
    /// more, more than 16 segments in the result, or a description string too long for its field.</exception>
    public byte[] Build()
    {
        if (DescriptionAddress % PageSize != AppDescription.ImageOffset || !Esp32MemoryMap.IsFlashMapped(DescriptionAddress))
            throw new Esp32FormatException($"the app description address 0x{DescriptionAddress:X8} must be a DROM address ≡ 0x20 (mod 64 KB) so that it lands at image offset 0x20");

        // ImageSegment pads "real" segments to a 4-byte length.
        static Segment Make(uint address, byte[] data) => new(address, address != 0 ? PadTo4(data) : data);
        var descriptionSegment = Make(DescriptionAddress, [.. Description.ToBytes(), .. RodataAfterDescription]);
        var all = _segments.Select(s => Make(s.Address, s.Data)).Append(descriptionSegment).OrderBy(s => s.Address).ToList();
        var flash = all.Where(s => Esp32MemoryMap.IsFlashMapped(s.Address)).ToList();
        var ram = all.Where(s => !Esp32MemoryMap.IsFlashMapped(s.Address)).ToList();
        // Like ".flash.appdesc", the description segment always goes first.
        flash.Remove(descriptionSegment);
        flash.Insert(0, descriptionSegment);
        for (int i = 1; i < flash.Count; i++)
        {
            if (flash[i].Address / PageSize == flash[i - 1].Address / PageSize)
                throw new Esp32FormatException(
                    $"Segment loaded at 0x{flash[i].Address:X8} lands in same 64 KB flash mapping as segment loaded at 0x{flash[i - 1].Address:X8}; merge them");
        }

        using var image = new MemoryStream();
        image.Write(new byte[AppImageHeader.Size]);
        byte checksum = AppImageInfo.ChecksumInitial;
        int count = 0;
        void Save(Segment segment)
        {
            checksum = WriteSegment(image, segment, checksum);
            count++;
        }

        while (flash.Count > 0)
        {
            var segment = flash[0];
            int padLength = AlignmentPaddingNeeded(segment.Address, (int)image.Position);
            if (padLength > 0)
            {
                // Fill the gap with the start of the first RAM segment if one is left, else with zeros.
                if (ram.Count > 0 && padLength > SegmentHeaderSize)
                {
                    var source = ram[0];
                    int take = Math.Min(padLength, source.Data.Length);
                    Save(new Segment(source.Address, source.Data[..take]));
                    ram[0] = new Segment(source.Address + (uint)take, source.Data[take..]);
                    if (ram[0].Data.Length == 0) ram.RemoveAt(0);
                }
                else
                {
                    Save(new Segment(0, new byte[padLength]));
                }
                continue;
            }

            // ESP32 only: the old bootloader did not map the last page when a segment ended < 0x24 bytes into it.
            long end = image.Position + SegmentHeaderSize + segment.Data.Length;
            int remainder = (int)(end % PageSize);
            if (remainder < Esp32MappingWorkaroundBytes)
                segment = segment with { Data = [.. segment.Data, .. new byte[Esp32MappingWorkaroundBytes - remainder]] };
            Save(segment);
            flash.RemoveAt(0);
        }
        foreach (var segment in ram) Save(segment);

        while (image.Position % 16 != 15) image.WriteByte(0);
        image.WriteByte(checksum);
        if (count > AppImageHeader.MaxSegments)
            throw new Esp32FormatException($"the image needs {count} segments (padding included); the maximum is {AppImageHeader.MaxSegments}");

        byte[] bytes = image.ToArray();
        (Header with { SegmentCount = (byte)count, HashAppended = (byte)(AppendSha256 ? 1 : 0) }).WriteTo(bytes);
        return AppendSha256 ? [.. bytes, .. SHA256.HashData(bytes)] : bytes;
    }

    private sealed record Segment(uint Address, byte[] Data);

    /// <summary>
    /// esptool's <c>get_alignment_data_needed</c>: how many data bytes a padding segment needs so that,
    /// after its header and the next segment's header, the file offset ≡ <paramref name="address"/> (mod 64 KB).
    /// </summary>
    private static int AlignmentPaddingNeeded(uint address, int position)
    {
        int alignPast = (int)(address % PageSize) - SegmentHeaderSize;
        int padLength = PageSize - position % PageSize + alignPast;
        if (padLength == 0 || padLength == PageSize) return 0;
        padLength -= SegmentHeaderSize;
        if (padLength < 0) padLength += PageSize;
        return padLength;
    }

    /// <summary><c>save_segment</c>: header, data, and the checksum carried over the data.</summary>
    private static byte WriteSegment(Stream image, Segment segment, byte checksum)
    {
        if (segment.Data.Length % 4 != 0)
            throw new Esp32FormatException($"segment at 0x{segment.Address:X8} has length 0x{segment.Data.Length:X}; it has to be a multiple of 4");
        if (segment.Data.Length >= AppImageInfo.MaxSegmentLength)
            throw new Esp32FormatException($"segment at 0x{segment.Address:X8} has length 0x{segment.Data.Length:X}; the 16 MB limit has been exceeded");
        Span<byte> header = stackalloc byte[SegmentHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, segment.Address);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)segment.Data.Length);
        image.Write(header);
        image.Write(segment.Data);
        foreach (byte b in segment.Data) checksum ^= b;
        return checksum;
    }

    private static byte[] PadTo4(byte[] data) => data.Length % 4 == 0 ? data : [.. data, .. new byte[4 - data.Length % 4]];
}
