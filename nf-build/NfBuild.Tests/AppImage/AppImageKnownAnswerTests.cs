using Esp32.Formats.AppImage;
using Xunit;

namespace NfBuild.Tests.AppImage;

/// <summary>
/// The builder's output compared with esptool v5.3.1 (espressif/esptool tag v5.3.1, Python 3.11.7, run
/// locally): <c>esptool.bin_image.ESP32FirmwareImage.save(None)</c> given the same segments as
/// <c>ELFSection</c>s (the description + rodata as ".flash.rodata" at 0x3F400020), the same entry point,
/// flash mode/size/frequency and chip revisions, produced byte-identical files with the SHA-256 digests
/// below. <c>python3 -m esptool --chip esp32 image-info</c> on the builder's own output of
/// <see cref="AppImageTestData.Build"/> printed:
/// <code>
/// Image size: 71376 bytes   Entry point: 0x40081234   Segments: 6   Flash size: 4MB  freq: 40m  mode: DIO
/// Chip ID: 0 (ESP32)   Minimal chip revision: v0.0, (legacy min_rev = 0)   Maximal chip revision: v3.99
/// Segment   Length   Load addr   File offs  Memory types
///       0  0x00140  0x3f400020  0x00000018  DROM
///       1  0x00400  0x3ffb0000  0x00000160  BYTE_ACCESSIBLE, DRAM
///       2  0x0faa8  0x40080000  0x00000568  IRAM
///       3  0x00100  0x400d0020  0x00010018  IROM
///       4  0x01558  0x4008faa8  0x00010120  IRAM
///       5  0x00020  0x50000000  0x00011680  RTC_DATA
/// Checksum: 0x50 (valid)
/// Validation hash: 9abaec8f1b41f385117bdf0b03efcea316a4947055bf538c9496a7287d52fe84 (valid)
/// Project name: nf-build-test  App version: 1.2.3  Compile time: Jan  1 2025 12:34:56
/// ELF file SHA256: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f  ESP-IDF: v5.5.5
/// Minimal eFuse block revision: 0.0  Maximal eFuse block revision: 0.99  MMU page size: 64 KB  Secure version: 1
/// </code>
/// and for the second sample (<see cref="AppImageTestData.CreatePaddingBuilder"/>): 65840 bytes, 3 segments
/// (DROM 0x100 @0x18, PADDING 0xfef0 @0x120, IROM 0x100 @0x10018), QIO, 80m, v3.0..v3.99,
/// "Checksum: 0xd0 (valid)", no validation hash.
/// </summary>
public class AppImageKnownAnswerTests
{
    [Fact]
    public void Sample_image_is_byte_identical_to_esptool()
    {
        byte[] image = AppImageTestData.Build();
        Assert.Equal(71376, image.Length);
        Assert.Equal("86c264212fbc0a3426ee4018f392c9af01bb81df5c63b66810c58717cb3d6ee0", AppImageTestData.Sha256(image));
    }

    [Fact]
    public void Sample_image_parses_like_esptool_image_info()
    {
        var info = AppImageInfo.Parse(AppImageTestData.Build());

        Assert.Equal(
            [(0x140, 0x3F400020u, 0x18, "DROM"), (0x400, 0x3FFB0000u, 0x160, "BYTE_ACCESSIBLE, DRAM"), (0xFAA8, 0x40080000u, 0x568, "IRAM"),
             (0x100, 0x400D0020u, 0x10018, "IROM"), (0x1558, 0x4008FAA8u, 0x10120, "IRAM"), (0x20, 0x50000000u, 0x11680, "RTC_DATA")],
            info.Segments.Select(s => (s.Length, s.LoadAddress, s.HeaderOffset, s.MemoryRegion)));
        Assert.Equal((0x50, 0x50, true), (info.StoredChecksum, info.ComputedChecksum, info.ChecksumValid));
        Assert.Equal("9abaec8f1b41f385117bdf0b03efcea316a4947055bf538c9496a7287d52fe84", Convert.ToHexStringLower(info.ComputedSha256!));
        Assert.True(info.Sha256Valid);
        Assert.Equal(AppImageTestData.Description, info.Description);
        Assert.Equal(71376, info.Length);
        Assert.True(info.IsValid);
        info.Verify();
    }

    [Fact]
    public void Padding_sample_is_byte_identical_to_esptool()
    {
        byte[] image = AppImageTestData.CreatePaddingBuilder().Build();
        Assert.Equal(65840, image.Length);
        Assert.Equal("de2d8acf44e9b973b08cb04f0df29c74fe9562f26ebbe867ff8de343cc773f24", AppImageTestData.Sha256(image));

        var info = AppImageInfo.Parse(image);
        Assert.Equal(
            [(0x100, 0x3F400020u, 0x18, "DROM"), (0xFEF0, 0u, 0x120, "PADDING"), (0x100, 0x400D0020u, 0x10018, "IROM")],
            info.Segments.Select(s => (s.Length, s.LoadAddress, s.HeaderOffset, s.MemoryRegion)));
        Assert.Equal((0xD0, true, (bool?)null), (info.StoredChecksum, info.ChecksumValid, info.Sha256Valid));
        Assert.Equal((FlashMode.Qio, FlashFrequency.Freq80MHz, FlashChipSize.Size4MB), (info.Header.SpiMode, info.Header.SpiSpeed, info.Header.SpiSize));
        Assert.Equal((3, 300, 399), (info.Header.MinChipRev, (int)info.Header.MinChipRevFull, (int)info.Header.MaxChipRevFull));
        Assert.Equal(0x1012F, info.ChecksumOffset);
        Assert.Equal(image.Length, info.Length);
    }

    [Fact]
    public void Header_bytes_are_laid_out_as_esp_image_header_t()
    {
        byte[] image = AppImageTestData.Build();
        // E9, 6 segments, DIO, 4MB|40m, entry 0x40081234, wp EE, pin drive 000000, chip 0000, min_rev 0,
        // min_rev_full 0000, max_rev_full 399 = 8F 01, reserved 00000000, hash_appended 01.
        Assert.Equal("e906022034120840ee00000000000000008f010000000001", Convert.ToHexStringLower(image.AsSpan(0, 24)));
    }
}
