using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Esp32.Formats.AppImage;

/// <summary>
/// A parsed ESP32 app image with the results of the checks the ESP-IDF v5.5 bootloader makes
/// (bootloader_support/src/esp_image_format.c) and esptool v5 image-info reports
/// (esptool/bin_image.py <c>ESP32FirmwareImage</c>): header, segments, checksum, appended SHA-256 and
/// app description. Structural damage (truncation, wrong magic, too many segments, a segment that runs
/// past the end or has a bad length) makes <see cref="Parse"/> throw; a wrong checksum or SHA-256, a
/// foreign chip id or a misplaced flash-mapped segment is reported in <see cref="Problems"/> and makes
/// <see cref="Verify"/> throw.
/// </summary>
public sealed class AppImageInfo
{
    /// <summary>Initial value of the XOR checksum (<c>ESP_ROM_CHECKSUM_INITIAL</c>, esptool ESP_CHECKSUM_MAGIC).</summary>
    public const byte ChecksumInitial = 0xEF;

    /// <summary>Segment lengths must stay below 16 MB (<c>ESP_IMAGE_MAX_FLASH_ADDR_SIZE</c>).</summary>
    public const int MaxSegmentLength = 0x1000000;

    /// <summary>Length of the appended digest.</summary>
    public const int Sha256Size = 32;

    private AppImageInfo(
        AppImageHeader header, IReadOnlyList<AppImageSegment> segments, int checksumOffset, byte storedChecksum, byte computedChecksum,
        byte[]? storedSha256, byte[]? computedSha256, AppDescription? description, int length, IReadOnlyList<string> problems)
    {
        Header = header;
        Segments = segments;
        ChecksumOffset = checksumOffset;
        StoredChecksum = storedChecksum;
        ComputedChecksum = computedChecksum;
        StoredSha256 = storedSha256;
        ComputedSha256 = computedSha256;
        Description = description;
        Length = length;
        Problems = problems;
    }

    /// <summary>The 24-byte header.</summary>
    public AppImageHeader Header { get; }

    /// <summary>The segments in image order.</summary>
    public IReadOnlyList<AppImageSegment> Segments { get; }

    /// <summary>Image offset of the checksum byte: the last byte of the 16-byte block after the segments.</summary>
    public int ChecksumOffset { get; }

    /// <summary>The checksum byte stored in the image.</summary>
    public byte StoredChecksum { get; }

    /// <summary>0xEF XOR every segment data byte.</summary>
    public byte ComputedChecksum { get; }

    /// <summary>Stored and computed checksums agree.</summary>
    public bool ChecksumValid => StoredChecksum == ComputedChecksum;

    /// <summary>A SHA-256 follows the checksum (header byte 23 non-zero).</summary>
    public bool HashAppended => Header.HashAppended != 0;

    /// <summary>The appended SHA-256, or null when none is appended.</summary>
    public byte[]? StoredSha256 { get; }

    /// <summary>SHA-256 of image bytes 0 through the checksum byte, or null when no hash is appended.</summary>
    public byte[]? ComputedSha256 { get; }

    /// <summary>Whether the appended hash matches; null when no hash is appended.</summary>
    public bool? Sha256Valid => HashAppended ? StoredSha256!.AsSpan().SequenceEqual(ComputedSha256) : null;

    /// <summary>The <c>esp_app_desc_t</c> at offset 0x20, or null when its magic word is not there.</summary>
    public AppDescription? Description { get; }

    /// <summary>Bytes the image occupies: through the checksum, plus 32 when a hash is appended.</summary>
    public int Length { get; }

    /// <summary>Why the bootloader would refuse this image (empty when it would load it).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>No problems.</summary>
    public bool IsValid => Problems.Count == 0;

    /// <summary>Throws unless the image verifies.</summary>
    /// <exception cref="Esp32FormatException">The problems, joined.</exception>
    public void Verify()
    {
        if (!IsValid) throw new Esp32FormatException($"app image does not verify: {string.Join("; ", Problems)}");
    }

    /// <summary>
    /// Parses an image. Bytes after the image (e.g. the rest of an app partition) are ignored.
    /// </summary>
    /// <param name="image">The image, or the app partition holding it.</param>
    /// <param name="partitionSize">When given, an image longer than this is a problem
    /// (<c>process_appended_hash_and_sig</c>: "Image length … doesn't fit in partition length …").</param>
    /// <exception cref="Esp32FormatException">Truncated data, wrong magic, more than 16 segments, a segment
    /// length that is not a multiple of 4 or not below 16 MB, or a segment running past the end.</exception>
    public static AppImageInfo Parse(ReadOnlySpan<byte> image, long? partitionSize = null) => Parse(image, partitionSize, owned: null);

    /// <summary>
    /// <see cref="Parse(ReadOnlySpan{byte}, long?)"/> without copying: the segments refer to <paramref name="image"/>,
    /// which the caller hands over and must not change afterwards (a partition just read for verification).
    /// </summary>
    public static AppImageInfo ParseOwned(byte[] image, long? partitionSize = null) =>
        Parse(image ?? throw new ArgumentNullException(nameof(image)), partitionSize, owned: image);

    /// <summary>
    /// <see cref="ParseOwned(byte[], long?)"/> of the first <paramref name="length"/> bytes of <paramref name="image"/>
    /// (a rented buffer may be longer): valid only while the caller keeps <paramref name="image"/> unchanged.
    /// </summary>
    public static AppImageInfo ParseOwned(byte[] image, int length, long? partitionSize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)image.Length, nameof(length));
        return Parse(image.AsSpan(0, length), partitionSize, owned: image);
    }

    private static AppImageInfo Parse(ReadOnlySpan<byte> image, long? partitionSize, byte[]? owned)
    {
        if (image.Length < AppImageHeader.Size)
            throw new Esp32FormatException($"app image is truncated: {image.Length} bytes, shorter than the {AppImageHeader.Size}-byte header");
        var header = AppImageHeader.Read(image);
        if (header.Magic != AppImageHeader.ImageMagic)
            throw new Esp32FormatException($"app image has invalid magic byte 0x{header.Magic:X2} at offset 0 (expected 0xE9; nothing flashed here?)");
        if (header.SegmentCount > AppImageHeader.MaxSegments)
            throw new Esp32FormatException($"app image segment count {header.SegmentCount} (offset 1) exceeds max {AppImageHeader.MaxSegments}");

        byte[] copy = owned ?? image.ToArray();
        var segments = new List<AppImageSegment>();
        var problems = new List<string>();
        int position = AppImageHeader.Size;
        byte checksum = ChecksumInitial;
        for (int i = 0; i < header.SegmentCount; i++)
        {
            if (position + AppImageSegment.HeaderSize > image.Length)
                throw new Esp32FormatException($"app image is truncated: segment {i} header at offset 0x{position:X} runs past the end (0x{image.Length:X} bytes)");
            uint loadAddress = BinaryPrimitives.ReadUInt32LittleEndian(image[position..]);
            uint dataLength = BinaryPrimitives.ReadUInt32LittleEndian(image[(position + 4)..]);
            if (dataLength % 4 != 0 || dataLength >= MaxSegmentLength)
                throw new Esp32FormatException($"app image segment {i} at offset 0x{position:X} has invalid length 0x{dataLength:X} (must be a multiple of 4 below 16 MB)");
            int dataOffset = position + AppImageSegment.HeaderSize;
            if (dataOffset + (long)dataLength > image.Length)
                throw new Esp32FormatException(
                    $"app image segment {i} at offset 0x{position:X} (load 0x{loadAddress:X8}, length 0x{dataLength:X}) runs past the end of the image (0x{image.Length:X} bytes)");
            var segment = new AppImageSegment(i, loadAddress, position, copy.AsMemory(dataOffset, (int)dataLength));
            checksum ^= XorOfBytes(segment.Data.Span);

            // verify_segment_header: a flash-mapped segment must sit at the same offset within a 64 KB MMU page in the file as in memory.
            if (segment.IsFlashMapped && dataOffset % Esp32MemoryMap.MmuPageSize != loadAddress % Esp32MemoryMap.MmuPageSize)
                problems.Add($"segment {i} load address 0x{loadAddress:X8} doesn't match data offset 0x{dataOffset:X} modulo the 64 KB MMU page");
            segments.Add(segment);
            position = dataOffset + (int)dataLength;
        }

        // process_checksum: the checksum byte ends the 16-byte block after the last segment.
        int checksumOffset = (position + 1 + 15) / 16 * 16 - 1;
        if (checksumOffset >= image.Length)
            throw new Esp32FormatException($"app image is truncated: the checksum byte at offset 0x{checksumOffset:X} is past the end (0x{image.Length:X} bytes)");
        byte storedChecksum = image[checksumOffset];
        if (storedChecksum != checksum)
            problems.Add($"checksum failed at offset 0x{checksumOffset:X}: calculated 0x{checksum:X2}, read 0x{storedChecksum:X2}");
        int length = checksumOffset + 1;

        // Threat: checksum and SHA-256 catch corruption (torn writes, bad downloads) only. Whoever can write
        // the image can recompute both; authenticity needs a secure boot signature, which is not checked here.
        byte[]? storedSha = null, computedSha = null;
        if (header.HashAppended != 0)
        {
            if (length + Sha256Size > image.Length)
                throw new Esp32FormatException($"app image is truncated: the appended SHA-256 at offset 0x{length:X} needs {Sha256Size} bytes, {image.Length - length} remain");
            computedSha = SHA256.HashData(image[..length]);
            storedSha = image.Slice(length, Sha256Size).ToArray();
            if (!storedSha.AsSpan().SequenceEqual(computedSha))
                problems.Add($"image hash failed at offset 0x{length:X}: calculated {Convert.ToHexStringLower(computedSha)}, read {Convert.ToHexStringLower(storedSha)}");
            length += Sha256Size;
        }

        if (partitionSize is long limit && length > limit)
            problems.Add($"image length {length} doesn't fit in partition length {limit}");
        if (header.ChipId != AppImageHeader.Esp32ChipId)
            problems.Add($"chip id {header.ChipId} at offset 12 is not the ESP32's (0)");

        // bootloader_common_get_partition_description reads the struct at offset 0x20 whatever the segment.
        // Its secure_version (anti-rollback) is only as trustworthy as the image: unsigned images can claim any.
        var description = image.Length >= AppDescription.ImageOffset + AppDescription.Size && header.SegmentCount > 0
            ? AppDescription.TryRead(image.Slice(AppDescription.ImageOffset, AppDescription.Size))
            : null;

        return new AppImageInfo(header, segments, checksumOffset, storedChecksum, checksum, storedSha, computedSha, description, length, problems);
    }

    /// <summary>All bytes XORed together (the image checksum's fold), a vector at a time: XOR is associative.</summary>
    private static byte XorOfBytes(ReadOnlySpan<byte> data)
    {
        var acc = System.Numerics.Vector<byte>.Zero;
        int i = 0;
        for (; i <= data.Length - System.Numerics.Vector<byte>.Count; i += System.Numerics.Vector<byte>.Count)
            acc ^= new System.Numerics.Vector<byte>(data[i..]);
        byte x = 0;
        for (int lane = 0; lane < System.Numerics.Vector<byte>.Count; lane++)
            x ^= acc[lane];
        for (; i < data.Length; i++)
            x ^= data[i];
        return x;
    }
}
