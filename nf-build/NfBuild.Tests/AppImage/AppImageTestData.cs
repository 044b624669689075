using System.Security.Cryptography;
using Esp32.Formats.AppImage;

namespace NfBuild.Tests.AppImage;

/// <summary>
/// The sample app image of the known-answer tests: an app description, 64 bytes of rodata after it, an
/// IROM segment (which forces a 64 KB alignment gap), DRAM and IRAM segments (the IRAM one large enough to
/// be split to fill that gap) and an RTC segment. Contents are deterministic byte patterns.
/// </summary>
public static class AppImageTestData
{
    public const uint EntryAddress = 0x40081234;
    public const uint IromAddress = 0x400D0020;
    public const uint DramAddress = 0x3FFB0000;
    public const uint IramAddress = 0x40080000;
    public const uint RtcDataAddress = 0x50000000;

    public static AppDescription Description { get; } = new()
    {
        SecureVersion = 1,
        Version = "1.2.3",
        ProjectName = "nf-build-test",
        Time = "12:34:56",
        Date = "Jan  1 2025",
        IdfVersion = "v5.5.5",
        AppElfSha256 = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
    };

    /// <summary>Bytes (i × <paramref name="step"/> + <paramref name="seed"/>) mod 256.</summary>
    public static byte[] Pattern(int length, int seed, int step = 7) =>
        Enumerable.Range(0, length).Select(i => (byte)(i * step + seed)).ToArray();

    public static AppImageBuilder CreateBuilder() => new AppImageBuilder(Description)
        {
            Header = new AppImageHeader { EntryAddress = EntryAddress },
            RodataAfterDescription = Pattern(64, 1),
        }
        .AddSegment(IromAddress, Pattern(0x100, 2))
        .AddSegment(DramAddress, Pattern(0x400, 3))
        .AddSegment(IramAddress, Pattern(0x11000, 4, 13))
        .AddSegment(RtcDataAddress, Pattern(0x20, 5));

    public static byte[] Build() => CreateBuilder().Build();

    /// <summary>
    /// Second sample: only the description (no rodata after it) and the IROM segment, so a zero padding
    /// segment fills the 64 KB gap; QIO, 80 MHz, chip revision v3.0 minimum, no SHA-256.
    /// </summary>
    public static AppImageBuilder CreatePaddingBuilder() => new AppImageBuilder(Description)
        {
            Header = new AppImageHeader
            {
                EntryAddress = 0x400D0100,
                SpiMode = FlashMode.Qio,
                SpiSpeed = FlashFrequency.Freq80MHz,
                MinChipRev = 3,
                MinChipRevFull = 300,
            },
            AppendSha256 = false,
        }
        .AddSegment(IromAddress, Pattern(0x100, 2));

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
