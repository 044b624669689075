using System.Security.Cryptography;
using System.Text;
using Esp32.Formats.Nvs;
using NfBuild.Fleet;
using NfBuild.Tests.Virtual;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>`audit`: plaintext secrets in a 4 MB dump, with partition names, and the exit codes.</summary>
public class AuditTests : IDisposable
{
    private const int FlashSize = 4 * 1024 * 1024;
    private readonly FleetWorkspace _ws = new();
    private readonly FleetDirectory _fleet;

    public AuditTests()
    {
        _fleet = _ws.Init();
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1", "--wifi-ssid", "lab", "--wifi-pass", "wifi-secret-12");
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-2");
    }

    public void Dispose() => _ws.Dispose();

    private string BundleDir(string id) => _fleet.DeviceBundleDirectory(id);

    /// <summary>A blank 4 MB flash with the product partition table at 0x8000 and the plaintext NVS of <paramref name="id"/> at 0x9000.</summary>
    private byte[] PlainFlash(string? id)
    {
        var flash = new byte[FlashSize];
        flash.AsSpan().Fill(0xFF);
        TestDevices.ProductTable.ToBinary().CopyTo(flash, 0x8000);
        if (id is not null)
        {
            byte[] nvs = NvsPartitionGenerator.GenerateFromFile(Path.Combine(BundleDir(id), DeviceBundle.NvsCsvFile), 0x6000, new NvsGeneratorOptions { BaseDirectory = BundleDir(id) });
            nvs.CopyTo(flash, (int)TestDevices.ProductTable.Find("nvs")!.Offset);
        }
        return flash;
    }

    private string Write(byte[] flash, string name = "flash.bin")
    {
        string path = _ws.PathOf(name);
        File.WriteAllBytes(path, flash);
        return path;
    }

    [Fact]
    public void PlaintextNvs_ReportsKeyPemPasswordAndWifiPassword_InTheNvsPartition()
    {
        var (exit, text, err) = _ws.Run("audit", Write(PlainFlash("sensor-1")), "--fleet", _ws.FleetDir, "--device", "sensor-1");

        Assert.True(exit == 1, err + text);
        Assert.Matches(@"0x00[0-9A-F]{4}\s+nvs\s+private key PEM \(SEC1\)", text);
        Assert.Matches(@"nvs\s+fallback password", text);
        Assert.Matches(@"nvs\s+Wi-Fi password", text);
        // The PEM body lines lie inside the whole PEM: reported once, as the PEM.
        Assert.DoesNotContain("body line", text);
        Assert.DoesNotContain("PRIVATE KEY-----", text); // never prints the secret itself
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(BundleDir("sensor-1"), DeviceBundle.FallbackPasswordFile)), text);
    }

    [Fact]
    public void EveryForm_IsFoundWhereverItLies()
    {
        byte[] flash = PlainFlash(null);
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(BundleDir("sensor-1"), DeviceBundle.KeyFile)));
        string pkcs8Pem = key.ExportPkcs8PrivateKeyPem();
        string sec1Line = key.ExportECPrivateKeyPem().Split('\n')[1];
        var placed = new (int Offset, byte[] Bytes, string Expect)[]
        {
            (0x10000, key.ExportECPrivateKey(), "private key DER (SEC1)"),
            (0x20000, key.ExportPkcs8PrivateKey(), "private key DER (PKCS#8)"),
            (0x30000, key.ExportParameters(true).D!, "private key scalar (32 bytes)"),
            (0x330000, Encoding.ASCII.GetBytes(pkcs8Pem), "private key PEM (PKCS#8)"),
            (0x3ED000, Encoding.ASCII.GetBytes(sec1Line), "private key PEM body line 1 (SEC1)"),
            (0x3FF000, Encoding.ASCII.GetBytes(File.ReadAllText(Path.Combine(BundleDir("sensor-1"), DeviceBundle.FallbackPasswordFile))), "fallback password"),
        };
        foreach (var p in placed)
            p.Bytes.CopyTo(flash, p.Offset);

        var (exit, text, _) = _ws.Run("audit", Write(flash), "--fleet", _ws.FleetDir, "--device", "sensor-1");

        Assert.Equal(1, exit);
        foreach (var p in placed)
            Assert.Contains($"0x{p.Offset:X6}", text.Split('\n').Single(l => l.Contains(p.Expect)));
        Assert.Matches(@"0x010000\s+ota_0\s+private key DER \(SEC1\)", text);
        Assert.Matches(@"0x330000\s+deploy_0\s+", text);
        Assert.Matches(@"0x3ED000\s+config\s+", text);
        Assert.Contains($"{placed.Length} plaintext occurrence(s)", text);
    }

    [Fact]
    public void DumpWithoutTheSecrets_IsClean_EvenWithAnotherDevicesNvs()
    {
        var (exit, text, err) = _ws.Run("audit", Write(PlainFlash("sensor-2")), "--fleet", _ws.FleetDir, "--device", "sensor-1");
        Assert.True(exit == 0, err + text);
        Assert.Contains("no plaintext secret of 'sensor-1'", text);
    }

    [Fact]
    public void UnreadableTable_ReportsOffsetsOnly_OrNamesFromPartitionsOption()
    {
        byte[] flash = PlainFlash("sensor-1");
        RandomNumberGenerator.Fill(flash.AsSpan(0x8000, 0xC00)); // as if flash-encrypted
        string path = Write(flash);

        var (exit, text, _) = _ws.Run("audit", path, "--fleet", _ws.FleetDir, "--device", "sensor-1");
        Assert.Equal(1, exit);
        Assert.Contains("no readable partition table", text);
        Assert.Matches(@"unknown partition\s+private key PEM", text);

        var (exit2, text2, _) = _ws.Run("audit", path, "--fleet", _ws.FleetDir, "--device", "sensor-1", "--partitions", TestDevices.RepoFile("partitions.csv"));
        Assert.Equal(1, exit2);
        Assert.Matches(@"nvs\s+private key PEM", text2);
    }

    [Theory]
    [InlineData("missing-device")]
    [InlineData("missing-bundle")]
    [InlineData("missing-dump")]
    [InlineData("missing-option")]
    [InlineData("bad-id")]
    public void BadInput_Exits2(string problem)
    {
        string dump = Write(PlainFlash(null));
        if (problem == "missing-bundle")
            Directory.Delete(BundleDir("sensor-2"), recursive: true);
        string[] args = problem switch
        {
            "missing-device" => ["audit", dump, "--fleet", _ws.FleetDir, "--device", "nobody"],
            "missing-bundle" => ["audit", dump, "--fleet", _ws.FleetDir, "--device", "sensor-2"],
            "missing-dump" => ["audit", _ws.PathOf("none.bin"), "--fleet", _ws.FleetDir, "--device", "sensor-1"],
            "missing-option" => ["audit", dump, "--device", "sensor-1"],
            _ => ["audit", dump, "--fleet", _ws.FleetDir, "--device", "../x"],
        };
        var (exit, _, err) = _ws.Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("error:", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Scan_Of4MegabytesWithEveryNeedle_IsFast()
    {
        byte[] flash = PlainFlash("sensor-1");
        var needles = DeviceSecrets.Needles(DeviceBundle.Open(_fleet, "sensor-1"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var findings = FlashAudit.Scan(flash, needles, FlashAudit.TryReadTable(flash));
        watch.Stop();
        Assert.Equal(3, findings.Count); // key PEM, fallback password, Wi-Fi password
        Assert.True(watch.ElapsedMilliseconds < 2000, $"scan took {watch.ElapsedMilliseconds} ms");
    }
}
