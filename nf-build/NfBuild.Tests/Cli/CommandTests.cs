using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Nvs;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using Esp32.Virtual;
using NfBuild.Cli;
using NfBuild.Tests.Virtual;
using Xunit;

namespace NfBuild.Tests.Cli;

/// <summary>Each nf-build command, run in-process as a user would run it: exit codes, output, files.</summary>
public class CommandTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nfb-cli").FullName;

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = NfBuildCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Help_ListsEveryCommand()
    {
        var (exit, text, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (string command in new[] { "partitions", "nvs", "flash", "otadata", "image", "fleet", "audit", "backend", "device", "release", "demo" })
            Assert.Contains(command, text);
    }

    [Fact]
    public void UnknownCommand_FailsWithNonZeroExit()
    {
        Assert.NotEqual(0, Run("frobnicate").Exit);
    }

    [Fact]
    public void PartitionsBuild_ThenShow_RoundTripsTheProductTable()
    {
        var (exit, _, err) = Run("partitions", "build", TestDevices.RepoFile("partitions.csv"), "-o", PathOf("pt.bin"));
        Assert.True(exit == 0, err);
        Assert.Equal(3072, new FileInfo(PathOf("pt.bin")).Length);

        var (showExit, csv, _) = Run("partitions", "show", PathOf("pt.bin"));
        Assert.Equal(0, showExit);
        Assert.Equal(TestDevices.ProductTable, PartitionTable.FromCsv(csv));
        Assert.Contains("nvs_keys,data,nvs_keys,0x38f000,4K,encrypted", csv);
    }

    [Fact]
    public void PartitionsBuild_BadCsv_NamesTheLine_AndWritesNothing()
    {
        File.WriteAllText(PathOf("bad.csv"), "nvs, data, nvs, 0x9000, 0x6000,\nota_0, app, ota_0, 0x12000, 1M,\n");

        var (exit, _, err) = Run("partitions", "build", PathOf("bad.csv"), "-o", PathOf("bad.bin"));

        Assert.Equal(1, exit);
        Assert.Contains("line 2", err);
        Assert.False(File.Exists(PathOf("bad.bin")));
    }

    [Fact]
    public void PartitionsBuild_TableTooBigForTheFlash_IsRejected()
    {
        var (exit, _, err) = Run("partitions", "build", TestDevices.RepoFile("partitions.csv"), "-o", PathOf("pt.bin"), "--flash-size", "2M");
        Assert.Equal(1, exit);
        Assert.StartsWith("error:", err);
    }

    [Fact]
    public void NvsGenerateWithKeys_ThenDump_ShowsTheValues_OnlyWithTheKeys()
    {
        File.WriteAllText(PathOf("nvs.csv"), "key,type,encoding,value\nwifi,namespace,,\nssid,data,string,lab-net\nretries,data,u8,5\n");
        Assert.Equal(0, Run("nvs", "keys", "-o", PathOf("keys.bin")).Exit);
        Assert.Equal(0, Run("nvs", "generate", PathOf("nvs.csv"), "--size", "0x6000", "--keys", PathOf("keys.bin"), "-o", PathOf("nvs.bin")).Exit);

        var (exit, dump, _) = Run("nvs", "dump", PathOf("nvs.bin"), "--keys", PathOf("keys.bin"));
        Assert.Equal(0, exit);
        Assert.Contains("wifi/ssid string = \"lab-net\"", dump);
        Assert.Contains("wifi/retries u8 = 5", dump);

        var (noKeyExit, _, noKeyErr) = Run("nvs", "dump", PathOf("nvs.bin"));
        Assert.Equal(1, noKeyExit);
        Assert.Contains("NVS-encrypted", noKeyErr);
    }

    [Fact]
    public void NvsGenerate_BadSize_IsAParseError()
    {
        File.WriteAllText(PathOf("nvs.csv"), "key,type,encoding,value\n");
        var (exit, _, err) = Run("nvs", "generate", PathOf("nvs.csv"), "--size", "lots", "-o", PathOf("x.bin"));
        Assert.NotEqual(0, exit);
        Assert.Contains("'lots'", err);
    }

    [Fact]
    public void FlashEncrypt_MatchesTheReferenceVector_AndDecryptRestores()
    {
        File.WriteAllBytes(PathOf("key.bin"), Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        File.WriteAllBytes(PathOf("plain.bin"), Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());

        Assert.Equal(0, Run("flash", "encrypt", PathOf("plain.bin"), "--key", PathOf("key.bin"), "--address", "0x1000", "-o", PathOf("enc.bin")).Exit);
        // espsecure encrypt-flash-data, key 00..1f, plaintext 00..3f, address 0x1000, conf 0xF (shared reference, verified with esptool v5.3.1).
        Assert.Equal("a354ea55e9d9d83cd027e80a6b03a53cfc3886d3f8090e2da27c51dbc4a61351cdf9f00c743bd33742e28544ffad8d92783779f1e794e3744df99032250a8f5a",
            Convert.ToHexStringLower(File.ReadAllBytes(PathOf("enc.bin"))));

        Assert.Equal(0, Run("flash", "decrypt", PathOf("enc.bin"), "--key", PathOf("key.bin"), "--address", "4096", "-o", PathOf("dec.bin")).Exit);
        Assert.Equal(File.ReadAllBytes(PathOf("plain.bin")), File.ReadAllBytes(PathOf("dec.bin")));
    }

    [Theory]
    [InlineData("0x1004", "multiple of 16")]
    [InlineData("nope", "'nope'")]
    public void FlashEncrypt_BadAddress_Fails(string address, string message)
    {
        File.WriteAllBytes(PathOf("key.bin"), new byte[32]);
        File.WriteAllBytes(PathOf("plain.bin"), new byte[32]);
        var (exit, _, err) = Run("flash", "encrypt", PathOf("plain.bin"), "--key", PathOf("key.bin"), "--address", address, "-o", PathOf("out.bin"));
        Assert.NotEqual(0, exit);
        Assert.Contains(message, err);
        Assert.False(File.Exists(PathOf("out.bin")));
    }

    [Fact]
    public void FlashEncrypt_WrongKeySize_Fails()
    {
        File.WriteAllBytes(PathOf("key.bin"), new byte[16]);
        File.WriteAllBytes(PathOf("plain.bin"), new byte[32]);
        var (exit, _, err) = Run("flash", "encrypt", PathOf("plain.bin"), "--key", PathOf("key.bin"), "--address", "0", "-o", PathOf("out.bin"));
        Assert.Equal(1, exit);
        Assert.Contains("has 16 bytes", err);
    }

    [Fact]
    public void Otadata_ShowAndSwitch_OnAFlashImage_AsTheDeviceThenBootsIt()
    {
        // A device that booted once (otadata written) and has a second app in ota_1.
        var device = TestDevices.Provisioned(SecuritySettings.Plain, TestDevices.App("1.0.0"));
        device.PowerOn();
        byte[] v2 = TestDevices.App("2.0.0");
        var ota1 = device.Ota.SlotPartition(1);
        ota1.Write(0, v2.Concat(Enumerable.Repeat((byte)0xFF, (16 - v2.Length % 16) % 16)).ToArray());
        File.WriteAllBytes(PathOf("flash.bin"), device.Flash.Dump());

        var (exit, shown, _) = Run("otadata", "show", PathOf("flash.bin"));
        Assert.Equal(0, exit);
        Assert.Contains("copy 0 @0x0000: seq 1, state Valid", shown);
        Assert.Contains("boots ota_0", shown);

        Assert.Equal(0, Run("otadata", "switch", PathOf("flash.bin"), "--slot", "1").Exit);
        Assert.Contains("boots ota_1", Run("otadata", "show", PathOf("flash.bin")).Out);

        var switched = new VirtualEsp32(FlashChip.FromImage(File.ReadAllBytes(PathOf("flash.bin"))), new Esp32.Formats.Efuse.Esp32Efuses(), SecuritySettings.Plain);
        Assert.Equal("2.0.0", switched.PowerOn().RunningVersion);
    }

    [Fact]
    public void Otadata_ReadsAnEncryptedDeviceDump_WithTheKey()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        var efuses = new Esp32.Formats.Efuse.Esp32Efuses();
        efuses.BurnFlashEncryptionKey(key);
        var device = new VirtualEsp32(FlashChip.FromImage(new Esp32.Formats.FlashImage.FlashImageBuilder(TestDevices.ProductTable).WithPartition("ota_0", TestDevices.App("1.0.0")).Build()), efuses, SecuritySettings.Secure);
        device.PowerOn(); // encrypts the flash with the burned key, writes otadata encrypted
        File.WriteAllBytes(PathOf("dump.bin"), device.Flash.Dump());
        File.WriteAllBytes(PathOf("key.bin"), key);

        Assert.Contains("boots ota_0", Run("otadata", "show", PathOf("dump.bin"), "--key", PathOf("key.bin")).Out);
        Assert.NotEqual(0, Run("otadata", "show", PathOf("dump.bin")).Exit); // without the key the table is ciphertext
    }

    [Fact]
    public void Otadata_SwitchToAMissingSlot_Fails()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Plain, TestDevices.App("1.0.0"));
        File.WriteAllBytes(PathOf("flash.bin"), device.Flash.Dump());
        var (exit, _, err) = Run("otadata", "switch", PathOf("flash.bin"), "--slot", "2");
        Assert.Equal(1, exit);
        Assert.Contains("2 OTA slots", err);
    }

    [Fact]
    public void Otadata_OnASparseTable_CountsSlotsAsOtatool_AndShowsWhatTheBootloaderBoots()
    {
        // ota_0, ota_1, ota_3 (SparseOtaTableTests has otatool's known answers for this table).
        byte[] flash = new Esp32.Formats.FlashImage.FlashImageBuilder(NfBuild.Tests.Ota.SparseOtaTableTests.Table013).Build();
        File.WriteAllBytes(PathOf("sparse.bin"), flash);

        foreach (string slot in new[] { "2", "3" })
        {
            var (exit, output, err) = Run("otadata", "switch", PathOf("sparse.bin"), "--slot", slot);
            Assert.Equal(1, exit);
            Assert.Equal("", output);
            string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: Partition to switch to not found: ota_{slot} ", line);
            Assert.Contains("--slot takes 0..1 (2 OTA slots), nothing written", line);
            Assert.Equal(flash, File.ReadAllBytes(PathOf("sparse.bin")));
        }

        Assert.Equal(0, Run("otadata", "switch", PathOf("sparse.bin"), "--slot", "1").Exit);
        Assert.Contains("active copy 0: boots ota_1 (of 3 OTA slots)", Run("otadata", "show", PathOf("sparse.bin")).Out);

        var (switchExit, switched, _) = Run("otadata", "switch", PathOf("sparse.bin"), "--slot", "0");
        Assert.Equal(0, switchExit);
        Assert.Contains("the bootloader falls back and boots ota_1", switched);
        // otatool.py v5.5.5 wrote exactly this otadata (seq 2, then seq 3) for --slot 1, --slot 0.
        byte[] otadata = File.ReadAllBytes(PathOf("sparse.bin")).AsSpan(0xD000, 0x2000).ToArray();
        Assert.Equal("c1ea7a2a6df13cab8575c6beba26a627a4131ca61d584da1d27ba16c39f2a2ef", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(otadata)));

        var (showExit, shown, _) = Run("otadata", "show", PathOf("sparse.bin"));
        Assert.Equal(0, showExit);
        Assert.Contains("active copy 1: selects ota_2 (seq 3: (3 - 1) % 3), which the partition table does not have; the bootloader falls back and boots ota_1", shown);
        Assert.Contains("warning: the OTA slots (ota_0, ota_1, ota_3) are not numbered 0..2", shown);
        Assert.Contains("ota_3 can never boot", shown);
        Assert.DoesNotContain("boots ota_2", shown);
    }

    [Fact]
    public void ImageInfo_ShowsAndVerifiesAnAppImage()
    {
        File.WriteAllBytes(PathOf("app.bin"), TestDevices.App("3.2.1", secureVersion: 4));

        var (exit, text, _) = Run("image", "info", PathOf("app.bin"));

        Assert.Equal(0, exit);
        Assert.Contains("App version: 3.2.1", text);
        Assert.Contains("Secure version: 4", text);
        Assert.Contains("(valid)", text);
        Assert.Contains("Checksum: 0x", text);
    }

    [Fact]
    public void ImageInfo_CorruptImage_ExitsWithOne()
    {
        byte[] app = TestDevices.App("3.2.1");
        app[200] ^= 0xFF;
        File.WriteAllBytes(PathOf("bad.bin"), app);

        var (exit, text, err) = Run("image", "info", PathOf("bad.bin"));

        Assert.Equal(1, exit);
        Assert.Contains("invalid", text);
        Assert.StartsWith("error:", err);
    }

    [Fact]
    public void ImageInfo_NotAnImage_FailsClearly()
    {
        File.WriteAllBytes(PathOf("junk.bin"), new byte[100]);
        var (exit, _, err) = Run("image", "info", PathOf("junk.bin"));
        Assert.Equal(1, exit);
        Assert.StartsWith("error:", err);
    }
}
