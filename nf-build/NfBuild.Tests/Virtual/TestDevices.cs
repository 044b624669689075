using Esp32.Formats.AppImage;
using Esp32.Formats.FlashImage;
using Esp32.Formats.PartitionTable;
using Esp32.Virtual;

namespace NfBuild.Tests.Virtual;

/// <summary>Builds app images and provisioned virtual devices for the tests.</summary>
internal static class TestDevices
{
    /// <summary>The product's partitions.csv (repository root).</summary>
    public static PartitionTable ProductTable { get; } = PartitionTable.FromCsv(File.ReadAllText(RepoFile("partitions.csv")));

    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IotDevice.sln")))
                return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>A small but complete ESP32 app image (header, app description, code segment, checksum, SHA-256).</summary>
    public static byte[] App(string version, uint secureVersion = 0, int codeBytes = 4096)
    {
        var code = new byte[codeBytes];
        new Random(version.GetHashCode()).NextBytes(code);
        return new AppImageBuilder(new AppDescription { Version = version, SecureVersion = secureVersion, ProjectName = "IotDevice", IdfVersion = "v5.5.4" })
            .AddSegment(0x40080000, code)
            .Build();
    }

    /// <summary>A device with the product partition table and <paramref name="app"/> in ota_0, flashed in plaintext.</summary>
    public static VirtualEsp32 Provisioned(SecuritySettings settings, byte[] app)
    {
        byte[] image = new FlashImageBuilder(ProductTable).WithPartition("ota_0", app).Build();
        return new VirtualEsp32(FlashChip.FromImage(image), new Esp32.Formats.Efuse.Esp32Efuses(), settings);
    }

    public static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
