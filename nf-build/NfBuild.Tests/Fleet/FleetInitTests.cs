using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>`fleet init`: the files of README "Fleet workspace", their modes, the CA and broker certificates.</summary>
public class FleetInitTests : IDisposable
{
    private readonly FleetWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Init_WritesEveryFileOfTheLayout_KeysOwnerOnly()
    {
        var fleet = _ws.Init();
        foreach (string file in new[] { fleet.SettingsFile, fleet.RootCaCertificate, fleet.RootCaKey, fleet.IssuingCaCertificate, fleet.IssuingCaKey,
                     fleet.CaBundle, fleet.ServerCertificate, fleet.ServerKey, fleet.RenewalServiceCertificate, fleet.RenewalServiceKey, fleet.CrlFile, fleet.RegistryFile })
            Assert.True(File.Exists(file), file);
        Assert.True(Directory.Exists(fleet.DevicesDirectory));
        if (OperatingSystem.IsWindows())
            return;
        foreach (string key in new[] { fleet.RootCaKey, fleet.IssuingCaKey, fleet.ServerKey, fleet.RenewalServiceKey })
            Assert.Equal(SecureFiles.Secret, File.GetUnixFileMode(key));
        foreach (string dir in new[] { fleet.Root, fleet.PkiDirectory, fleet.DevicesDirectory })
            Assert.Equal(SecureFiles.SecretDirectory, File.GetUnixFileMode(dir));
    }

    [Fact]
    public void Init_SettingsHaveTheContractDefaults()
    {
        var s = _ws.Init().Settings;
        Assert.Equal(["localhost", "127.0.0.1"], s.BrokerHosts);
        Assert.Equal(["localhost:18883"], s.PrimaryEndpoints);
        Assert.Equal(["localhost:18884"], s.FallbackEndpoints);
        Assert.Equal(("iot", "fallback", 30, 365, 30), (s.PrimaryVhost, s.FallbackVhost, s.RenewalWindowDays, s.DeviceCertDays, s.GraceDays));
        Assert.Equal((18883, 15671, 18884, 15672), (s.Ports.PrimaryMqtts, s.Ports.PrimaryAmqps, s.Ports.FallbackMqtts, s.Ports.FallbackAmqps));
        string json = File.ReadAllText(_ws.Open().SettingsFile);
        Assert.Contains("\"renewalWindowDays\": 30", json); // camelCase on disk
        Assert.Empty(_ws.Open().Registry.Load().Devices);
    }

    [Fact]
    public void Init_RefusesToOverwriteAFleet_AndLeavesItUntouched()
    {
        var fleet = _ws.Init();
        string rootBefore = File.ReadAllText(fleet.RootCaCertificate);

        var (exit, _, err) = _ws.Run("fleet", "init", _ws.FleetDir);

        Assert.Equal(1, exit);
        Assert.StartsWith("error:", err);
        Assert.Contains("refusing to overwrite", err);
        Assert.Equal(rootBefore, File.ReadAllText(fleet.RootCaCertificate));
    }

    [Fact]
    public void Init_BadHost_FailsAndLeavesNothingBehind()
    {
        var (exit, _, err) = _ws.Run("fleet", "init", _ws.FleetDir, "--broker-host", "bad host!");
        Assert.Equal(1, exit);
        Assert.Contains("bad host!", err);
        Assert.False(Directory.Exists(_ws.FleetDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_ws.Dir));
    }

    [Fact]
    public void Init_PrintsNoKeyMaterial()
    {
        string text = _ws.Ok("fleet", "init", _ws.FleetDir);
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain("BEGIN", text);
    }

    [Fact]
    public void CaCertificates_HaveTheConstraintsOfTheContracts()
    {
        var fleet = _ws.Init();
        using var root = X509Certificate2.CreateFromPem(File.ReadAllText(fleet.RootCaCertificate));
        using var issuing = X509Certificate2.CreateFromPem(File.ReadAllText(fleet.IssuingCaCertificate));
        var rootBc = root.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        var issuingBc = issuing.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(rootBc.CertificateAuthority && rootBc.HasPathLengthConstraint && rootBc.PathLengthConstraint == 1);
        Assert.True(issuingBc.CertificateAuthority && issuingBc.HasPathLengthConstraint && issuingBc.PathLengthConstraint == 0);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, root.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(root.SubjectName.RawData, issuing.IssuerName.RawData);
        using var issuingKey = issuing.GetECDsaPublicKey()!;
        Assert.Equal(FleetPki.P256Oid, issuingKey.ExportParameters(false).Curve.Oid.Value);
        Assert.Equal("1.2.840.10045.4.3.2", issuing.SignatureAlgorithm.Value); // ecdsa-with-SHA256
        string bundle = File.ReadAllText(fleet.CaBundle);
        Assert.Equal(2, bundle.Split("BEGIN CERTIFICATE").Length - 1);
    }

    [Fact]
    public void ServerCertificate_HasTheSans_ServerAuth_AndChainsToTheRoot()
    {
        _ws.Ok("fleet", "init", _ws.FleetDir, "--broker-host", "broker.example.test", "--broker-host", "10.1.2.3", "--broker-host", "::1");
        var fleet = _ws.Open();
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(fleet.ServerCertificate);
        X509Certificate2 server = chain[0];
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["broker.example.test"], san.EnumerateDnsNames());
        Assert.Equal(["10.1.2.3", "::1"], san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.Equal(["broker.example.test:18883"], fleet.Settings.PrimaryEndpoints);
        Assert.True(FleetAssert.Chains(server, fleet, chain[1]));
    }

    [Fact]
    public void RenewalServiceCertificate_IsAClientCertificateNamedRenewalService()
    {
        var fleet = _ws.Init();
        using var cert = X509Certificate2.CreateFromPemFile(fleet.RenewalServiceCertificate, fleet.RenewalServiceKey);
        Assert.Equal("renewal-service", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(cert.HasPrivateKey);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
    }

    [Fact]
    public void OperatorCertificate_IsAClientCertificateNamedOperator_FromTheIssuingCa_KeyOwnerOnly()
    {
        var fleet = _ws.Init();
        AssertOperator(fleet);
    }

    [Fact]
    public void FleetOperator_AddsTheOperatorToAnOlderFleet_KeepsAnExistingOne_RefusesAHalfPair()
    {
        var fleet = _ws.Init();
        // A fleet made before the operator existed.
        File.Delete(fleet.OperatorCertificate);
        File.Delete(fleet.OperatorKey);
        string created = _ws.Ok("fleet", "operator", fleet.Root);
        Assert.Contains("created the operator identity", created);
        AssertOperator(fleet);
        string before = File.ReadAllText(fleet.OperatorCertificate);
        Assert.Contains("kept", _ws.Ok("fleet", "operator", fleet.Root));
        Assert.Equal(before, File.ReadAllText(fleet.OperatorCertificate));
        File.Delete(fleet.OperatorKey);
        var (exit, _, err) = _ws.Run("fleet", "operator", fleet.Root);
        Assert.Equal(1, exit);
        Assert.Contains("only one of", err);
        Assert.Equal(before, File.ReadAllText(fleet.OperatorCertificate));
    }

    [Fact]
    public void OperatorIsReservedAsADeviceId()
    {
        Assert.False(DeviceIds.IsValid(DeviceIds.Operator));
        var fleet = _ws.Init();
        var (exit, _, err) = _ws.Run("fleet", "add-device", fleet.Root, "operator");
        Assert.Equal(1, exit);
        Assert.Contains("reserved for the operator", err);
    }

    private static void AssertOperator(FleetDirectory fleet)
    {
        using var cert = X509Certificate2.CreateFromPemFile(fleet.OperatorCertificate, fleet.OperatorKey);
        Assert.Equal("operator", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(cert.HasPrivateKey);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        using var issuing = X509CertificateLoader.LoadCertificateFromFile(fleet.IssuingCaCertificate);
        Assert.Equal(issuing.SubjectName.Name, cert.IssuerName.Name);
        Assert.True(FleetAssert.Chains(cert, fleet, issuing));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(SecureFiles.Secret, File.GetUnixFileMode(fleet.OperatorKey));
    }
}
