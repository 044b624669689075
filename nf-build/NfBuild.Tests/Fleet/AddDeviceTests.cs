using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Esp32.Formats.Nvs;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>`fleet add-device`: identity, registry entry, bundle and its nvs.csv.</summary>
public class AddDeviceTests : IDisposable
{
    private readonly FleetWorkspace _ws = new();
    private readonly FleetDirectory _fleet;

    public AddDeviceTests() => _fleet = _ws.Init();

    public void Dispose() => _ws.Dispose();

    private string Bundle(string id, string file) => Path.Combine(_fleet.DeviceBundleDirectory(id), file);

    [Fact]
    public void DeviceCertificate_ChainsRootIssuingLeaf_WithClientAuthAndCn()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        using var cert = X509Certificate2.CreateFromPemFile(Bundle("sensor-1", DeviceBundle.CertificateFile), Bundle("sensor-1", DeviceBundle.KeyFile));

        Assert.True(FleetAssert.Chains(cert, _fleet));
        Assert.Equal("sensor-1", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, cert.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        byte[] serial = cert.SerialNumberBytes.ToArray();
        Assert.Equal(16, serial.Length);
        Assert.True(serial[0] < 0x80 && serial[0] != 0); // positive, no padding byte
        Assert.InRange(cert.NotBefore.ToUniversalTime(), DateTime.UtcNow.AddMinutes(-6), DateTime.UtcNow.AddMinutes(-4));
        Assert.InRange(cert.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(365).AddMinutes(-1), DateTime.UtcNow.AddDays(365).AddMinutes(1));
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(Bundle("sensor-1", DeviceBundle.KeyFile)));
    }

    [Fact]
    public void Registry_HoldsSerialCertificateAndOnlyThePasswordHash()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1", "--days", "30");
        DeviceRecord d = _fleet.Registry.Get("sensor-1")!;
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Bundle("sensor-1", DeviceBundle.CertificateFile)));
        string password = File.ReadAllText(Bundle("sensor-1", DeviceBundle.FallbackPasswordFile));

        Assert.Equal(Convert.ToHexStringLower(cert.SerialNumberBytes.Span), d.Serial);
        Assert.Equal([d.Serial], d.Serials);
        Assert.Equal(DeviceState.Active, d.State);
        Assert.Equal(cert.RawData, Convert.FromBase64String(d.Certificate));
        Assert.True(FallbackPasswords.Verify(password, d.FallbackPasswordHash));
        Assert.DoesNotContain(password, File.ReadAllText(_fleet.RegistryFile));
        Assert.Matches("^[A-Za-z0-9_-]{32}$", password);
    }

    [Fact]
    public void SecretFilesAreOwnerOnly_AndNothingSecretIsPrinted()
    {
        string text = _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1", "--wifi-ssid", "lab", "--wifi-pass", "wifi-secret-1");
        string password = File.ReadAllText(Bundle("sensor-1", DeviceBundle.FallbackPasswordFile));
        string keyPem = File.ReadAllText(Bundle("sensor-1", DeviceBundle.KeyFile));
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain("wifi-secret-1", text);
        Assert.DoesNotContain("PRIVATE KEY", text);
        foreach (string line in keyPem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----")))
            Assert.DoesNotContain(line, text);
        if (OperatingSystem.IsWindows())
            return;
        foreach (string f in new[] { DeviceBundle.KeyFile, DeviceBundle.FallbackPasswordFile, DeviceBundle.WifiPasswordFile })
            Assert.Equal(SecureFiles.Secret, File.GetUnixFileMode(Bundle("sensor-1", f)));
        Assert.Equal(SecureFiles.SecretDirectory, File.GetUnixFileMode(_fleet.DeviceBundleDirectory("sensor-1")));
    }

    [Fact]
    public void DuplicateId_IsRefused_AndTheFirstIdentityStays()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        string keyBefore = File.ReadAllText(Bundle("sensor-1", DeviceBundle.KeyFile));

        var (exit, _, err) = _ws.Run("fleet", "add-device", _ws.FleetDir, "sensor-1");

        Assert.Equal(1, exit);
        Assert.Equal("error: device 'sensor-1' is already in the registry", err.Trim());
        Assert.Equal(keyBefore, File.ReadAllText(Bundle("sensor-1", DeviceBundle.KeyFile)));
        Assert.Single(_fleet.Registry.Load().Devices);
    }

    [Theory]
    [InlineData("Sensor-1", "has character 'S' at position 0")]
    [InlineData("a.b", "has character '.' at position 1")]
    [InlineData("-x", "must not start or end with '-'")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456", "longer than 32 characters")]
    public void BadId_IsRefusedWithTheDeviceTopicsMessage(string id, string message)
    {
        string expected;
        try
        {
            IotDevice.Core.Messaging.DeviceTopics.ValidateDeviceId(id);
            throw new InvalidOperationException("the firmware accepted " + id);
        }
        catch (ArgumentException e)
        {
            expected = e.Message;
        }

        var (exit, _, err) = _ws.Run("fleet", "add-device", _ws.FleetDir, id);

        Assert.Equal(1, exit);
        Assert.Equal("error: " + expected, err.Trim());
        Assert.Contains(message, err);
        Assert.Empty(_fleet.Registry.Load().Devices);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_fleet.DevicesDirectory));
    }

    [Fact]
    public void NotAfterInThePast_GivesAnExpiredIdentity()
    {
        string text = _ws.Ok("fleet", "add-device", _ws.FleetDir, "old-1", "--not-after", "2021-06-01T00:00:00Z");
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Bundle("old-1", DeviceBundle.CertificateFile)));

        Assert.Contains("already expired", text);
        Assert.Equal(new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc), cert.NotAfter.ToUniversalTime());
        Assert.True(cert.NotBefore < cert.NotAfter);
        Assert.False(FleetAssert.Chains(cert, _fleet)); // expired now
        Assert.Contains("expired", _ws.Ok("fleet", "list", _ws.FleetDir));
    }

    [Fact]
    public void DaysAndNotAfterTogether_AreRefused()
    {
        var (exit, _, err) = _ws.Run("fleet", "add-device", _ws.FleetDir, "x1", "--days", "3", "--not-after", "2030-01-01T00:00:00Z");
        Assert.Equal(1, exit);
        Assert.StartsWith("error:", err);
    }

    [Fact]
    public void NvsCsv_GeneratesAnImageWithEveryKeyOfTheSchema()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1", "--wifi-ssid", "lab \"net\", 2", "--wifi-pass", "wifi-secret-1");
        string image = _ws.PathOf("nvs.bin");
        // Run from elsewhere: file rows resolve against the CSV's folder.
        _ws.Ok("nvs", "generate", Bundle("sensor-1", DeviceBundle.NvsCsvFile), "--size", "0x6000", "-o", image);

        NvsDump dump = NvsReader.Read(File.ReadAllBytes(image));
        Assert.Empty(dump.Issues);
        string Value(string key) => (string)(dump.Find(NvsSchema.Namespace, key) ?? throw new Xunit.Sdk.XunitException("missing key " + key));
        Assert.Equal("sensor-1", Value("dev_id"));
        Assert.Equal(File.ReadAllText(_fleet.RootCaCertificate), Value("ca_0"));
        Assert.Equal("0", Value("id_act"));
        Assert.Equal(File.ReadAllText(Bundle("sensor-1", DeviceBundle.CertificateFile)), Value("id0_crt"));
        Assert.Equal(File.ReadAllText(_fleet.IssuingCaCertificate), Value("id0_chain"));
        Assert.Equal(File.ReadAllText(Bundle("sensor-1", DeviceBundle.KeyFile)), Value("id0_key"));
        Assert.Equal(File.ReadAllText(Bundle("sensor-1", DeviceBundle.FallbackPasswordFile)), Value("id0_fbpw"));
        Assert.Equal("sensor-1", Value("fb_user"));
        Assert.Equal("localhost:18883", Value("ep_primary"));
        Assert.Equal("localhost:18884", Value("ep_fallback"));
        Assert.Equal("lab \"net\", 2", Value("wifi_ssid"));
        Assert.Equal("wifi-secret-1", Value("wifi_pass"));
        var floor = DateTimeOffset.ParseExact(Value("time_floor"), "yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.InRange(floor, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void NvsCsv_WithoutWifi_HasNoWifiKeys()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-2");
        NvsDump dump = NvsReader.Read(NvsPartitionGenerator.GenerateFromFile(Bundle("sensor-2", DeviceBundle.NvsCsvFile), 0x6000,
            new NvsGeneratorOptions { BaseDirectory = _fleet.DeviceBundleDirectory("sensor-2") }));
        Assert.Null(dump.Find(NvsSchema.Namespace, "wifi_ssid"));
        Assert.Null(dump.Find(NvsSchema.Namespace, "wifi_pass"));
        Assert.NotNull(dump.Find(NvsSchema.Namespace, "id0_key"));
    }
}
