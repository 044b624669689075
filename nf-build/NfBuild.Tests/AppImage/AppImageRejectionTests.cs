using System.Buffers.Binary;
using Esp32.Formats;
using Esp32.Formats.AppImage;
using Xunit;

namespace NfBuild.Tests.AppImage;

/// <summary>
/// Each class of damage the ESP-IDF v5.5 bootloader (esp_image_format.c) or esptool image-info rejects,
/// with messages that name the offset (and segment).
/// </summary>
public class AppImageRejectionTests
{
    private static byte[] Sample() => AppImageTestData.Build();

    private static string ParseError(byte[] image) => Assert.Throws<Esp32FormatException>(() => AppImageInfo.Parse(image)).Message;

    [Fact]
    public void Truncated_header()
    {
        Assert.Equal("app image is truncated: 10 bytes, shorter than the 24-byte header", ParseError(Sample()[..10]));
    }

    [Fact]
    public void Wrong_magic()
    {
        byte[] image = Sample();
        image[0] = 0xFF;
        Assert.Equal("app image has invalid magic byte 0xFF at offset 0 (expected 0xE9; nothing flashed here?)", ParseError(image));
    }

    [Fact]
    public void Too_many_segments()
    {
        byte[] image = Sample();
        image[1] = 17;
        Assert.Equal("app image segment count 17 (offset 1) exceeds max 16", ParseError(image));
    }

    [Fact]
    public void Segment_running_past_the_end()
    {
        Assert.Equal(
            "app image segment 2 at offset 0x568 (load 0x40080000, length 0xFAA8) runs past the end of the image (0x1000 bytes)",
            ParseError(Sample()[..0x1000]));
    }

    [Fact]
    public void Segment_header_past_the_end()
    {
        Assert.Equal("app image is truncated: segment 1 header at offset 0x160 runs past the end (0x164 bytes)", ParseError(Sample()[..0x164]));
    }

    [Fact]
    public void Segment_length_not_a_multiple_of_4()
    {
        byte[] image = Sample();
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x18 + 4), 0x141);
        Assert.Equal("app image segment 0 at offset 0x18 has invalid length 0x141 (must be a multiple of 4 below 16 MB)", ParseError(image));
    }

    [Fact]
    public void Checksum_byte_missing()
    {
        byte[] image = Sample();
        var info = AppImageInfo.Parse(image);
        Assert.Equal(
            $"app image is truncated: the checksum byte at offset 0x{info.ChecksumOffset:X} is past the end (0x{info.ChecksumOffset:X} bytes)",
            ParseError(image[..info.ChecksumOffset]));
    }

    [Fact]
    public void Appended_hash_missing()
    {
        byte[] image = Sample();
        Assert.Equal("app image is truncated: the appended SHA-256 at offset 0x116B0 needs 32 bytes, 31 remain", ParseError(image[..^1]));
    }

    [Fact]
    public void Bad_checksum_is_reported_and_fails_verification()
    {
        byte[] image = AppImageTestData.CreatePaddingBuilder().Build(); // no hash, so only the checksum breaks
        image[0x10020] ^= 0x01; // first IROM data byte

        var info = AppImageInfo.Parse(image);
        Assert.False(info.ChecksumValid);
        Assert.Equal((0xD0, 0xD1), (info.StoredChecksum, info.ComputedChecksum));
        var error = Assert.Throws<Esp32FormatException>(info.Verify);
        Assert.Equal("app image does not verify: checksum failed at offset 0x1012F: calculated 0xD1, read 0xD0", error.Message);
    }

    [Fact]
    public void Bad_hash_is_reported_and_fails_verification()
    {
        byte[] image = Sample();
        image[^1] ^= 0xFF;

        var info = AppImageInfo.Parse(image);
        Assert.True(info.ChecksumValid);
        Assert.False(info.Sha256Valid);
        var error = Assert.Throws<Esp32FormatException>(info.Verify);
        Assert.StartsWith("app image does not verify: image hash failed at offset 0x116B0: calculated 9abaec8f", error.Message);
    }

    [Fact]
    public void Corrupted_data_breaks_checksum_and_hash()
    {
        byte[] image = Sample();
        image[0x200] ^= 0x80;
        var info = AppImageInfo.Parse(image);
        Assert.Equal((false, (bool?)false, 2), (info.ChecksumValid, info.Sha256Valid, info.Problems.Count));
    }

    [Fact]
    public void Flash_segment_at_the_wrong_page_offset_fails_verification()
    {
        // IROM data at file offset 0x20 but load address 0x400D0000 (0x0 within its 64 KB page).
        var info = AppImageInfo.Parse(AppImageParseTests.RawImage(new AppImageHeader(), (0x400D0000, new byte[16])));
        Assert.Equal(["segment 0 load address 0x400D0000 doesn't match data offset 0x20 modulo the 64 KB MMU page"], info.Problems);
    }

    [Fact]
    public void Image_larger_than_its_partition_fails_verification()
    {
        Assert.Equal(["image length 71376 doesn't fit in partition length 65536"], AppImageInfo.Parse(Sample(), partitionSize: 0x10000).Problems);
        Assert.True(AppImageInfo.Parse(Sample(), partitionSize: 0x190000).IsValid);
    }

    [Fact]
    public void Other_chip_id_fails_verification()
    {
        var info = AppImageInfo.Parse(AppImageParseTests.RawImage(new AppImageHeader { ChipId = 9 }, (0x3FFB0000, new byte[4])));
        Assert.Equal(["chip id 9 at offset 12 is not the ESP32's (0)"], info.Problems);
    }

    [Fact]
    public void Builder_rejects_what_esptool_rejects()
    {
        var sameMapping = new AppImageBuilder(AppImageTestData.Description).AddSegment(0x3F400800, new byte[4]);
        Assert.Equal(
            "Segment loaded at 0x3F400800 lands in same 64 KB flash mapping as segment loaded at 0x3F400020; merge them",
            Assert.Throws<Esp32FormatException>(() => sameMapping.Build()).Message);

        var tooMany = new AppImageBuilder(AppImageTestData.Description);
        for (int i = 0; i < 16; i++) tooMany.AddSegment(0x3FFB0000 + (uint)i * 0x100, new byte[4]);
        Assert.Equal("the image needs 17 segments (padding included); the maximum is 16", Assert.Throws<Esp32FormatException>(() => tooMany.Build()).Message);

        var longVersion = new AppImageBuilder(AppImageTestData.Description with { Version = new string('v', 32) });
        Assert.StartsWith("esp_app_desc_t.version (offset 16): ", Assert.Throws<Esp32FormatException>(() => longVersion.Build()).Message);
    }
}
