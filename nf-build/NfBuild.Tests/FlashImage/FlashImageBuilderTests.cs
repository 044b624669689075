using Esp32.Formats;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.FlashImage;
using NfBuild.Tests.Virtual;
using Xunit;
using Table = Esp32.Formats.PartitionTable.PartitionTable;

namespace NfBuild.Tests.FlashImage;

public class FlashImageBuilderTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Plain_PlacesTableAndContents_RestErased()
    {
        byte[] nvs = [1, 2, 3, 4];
        byte[] image = new FlashImageBuilder(TestDevices.ProductTable).WithPartition("nvs", nvs).WithBootloader([0xE9, 7]).Build();

        Assert.Equal(4 * 1024 * 1024, image.Length);
        Assert.Equal(new byte[] { 0xE9, 7 }, image.AsSpan(0x1000, 2).ToArray());
        Assert.Equal(TestDevices.ProductTable.ToBinary(), image.AsSpan(0x8000, 0xC00).ToArray());
        Assert.Equal(nvs, image.AsSpan(0x9000, 4).ToArray());
        Assert.All(image.AsSpan(0x9004, 0x100).ToArray(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Encrypted_EncryptsExactlyWhatEspPartitionEncrypts()
    {
        byte[] app = TestDevices.App("1.0.0");
        byte[] nvs = Enumerable.Repeat((byte)0x5A, 64).ToArray();
        byte[] keys = Enumerable.Repeat((byte)0xA5, 64).ToArray();
        byte[] image = new FlashImageBuilder(TestDevices.ProductTable)
            .WithPartition("ota_0", app).WithPartition("nvs", nvs).WithPartition("nvs_keys", keys).Build(Key);

        int ota0 = (int)TestDevices.ProductTable.Find("ota_0")!.Offset;
        int nvsKeys = (int)TestDevices.ProductTable.Find("nvs_keys")!.Offset;
        Assert.Equal(Esp32FlashEncryption.Encrypt(Key, 0x8000, Pad(TestDevices.ProductTable.ToBinary())), image.AsSpan(0x8000, 0xC00).ToArray());
        Assert.Equal(Esp32FlashEncryption.Encrypt(Key, ota0, Pad(app)), image.AsSpan(ota0, Pad(app).Length).ToArray());
        Assert.Equal(Esp32FlashEncryption.Encrypt(Key, nvsKeys, keys), image.AsSpan(nvsKeys, 64).ToArray());
        // NVS is never flash-encrypted (it has its own encryption): written as given.
        Assert.Equal(nvs, image.AsSpan(0x9000, 64).ToArray());
    }

    [Fact]
    public void ContentsTooLargeForThePartition_AreRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => new FlashImageBuilder(TestDevices.ProductTable).WithPartition("phy_init", new byte[0x1001]));
        Assert.Contains("phy_init", ex.Message);
    }

    [Fact]
    public void UnknownPartition_IsRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => new FlashImageBuilder(TestDevices.ProductTable).WithPartition("factory", [1]));
        Assert.Contains("'factory'", ex.Message);
    }

    [Fact]
    public void TableBeyondTheFlash_IsRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => new FlashImageBuilder(TestDevices.ProductTable, flashSize: 2 * 1024 * 1024));
        Assert.Contains("beyond", ex.Message);
    }

    [Fact]
    public void BootloaderOverlappingTheTable_IsRejected()
    {
        Assert.Throws<Esp32FormatException>(() => new FlashImageBuilder(TestDevices.ProductTable).WithBootloader(new byte[0x7001]));
    }

    [Fact]
    public void EncryptionPaddingPastThePartitionEnd_IsRejected()
    {
        var table = Table.FromCsv("nvs, data, nvs, 0x9000, 0x6000,\notadata, data, ota, 0xF000, 0x2000,\nota_0, app, ota_0, 0x20000, 0x10000,\nblob, data, 0x99, 0x30000, 0x1008, encrypted\n");
        var builder = new FlashImageBuilder(table).WithPartition("blob", new byte[0x1001]);

        var ex = Assert.Throws<Esp32FormatException>(() => builder.Build(Key));
        Assert.Contains("blob", ex.Message);
        Assert.NotNull(builder.Build()); // unencrypted, nothing is padded
    }

    private static byte[] Pad(byte[] data)
    {
        var padded = new byte[(data.Length + 15) & ~15];
        Array.Fill(padded, (byte)0xFF);
        data.CopyTo(padded, 0);
        return padded;
    }
}
