using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;

namespace NfBuild.Tests.Backend;

/// <summary>A device credential of <see cref="TestFleet"/> (from its provisioning bundle).</summary>
public sealed record TestDevice(string Id, string CertPem, string KeyPem, string FallbackPassword, string Serial)
{
    /// <summary>Leaf with its key, re-imported through PKCS#12 so SslStream on Linux can use the key.</summary>
    public X509Certificate2 Certificate()
    {
        using var pem = X509Certificate2.CreateFromPem(CertPem, KeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>
/// A fleet made by the fleet library itself, as an operator makes one (`fleet init`, `fleet add-device`, `fleet revoke`),
/// on free ports: active devices, an expired one (notAfter in the past), one revoked on the CRL only (the registry still
/// says active, so the CRL alone is what refuses it), one revoked through `fleet revoke`. The one thing the fleet tool
/// cannot make, a certificate from another CA with the CN of a real device, is made here.
/// </summary>
public sealed class TestFleet : IDisposable
{
    public string Root { get; }
    public FleetDirectory FleetDir { get; private set; }
    public X509Certificate2 RootCa { get; }
    public Dictionary<string, TestDevice> Devices { get; } = new();
    /// <summary>CN = an existing device id, issued by an unrelated CA.</summary>
    public TestDevice OtherCaDevice { get; }
    public TestDevice RenewalService { get; }
    public TestDevice Operator { get; }
    public FleetPorts Ports => FleetDir.Settings.Ports;

    public const string Active1 = "dev-a", Active2 = "dev-b", Expired = "dev-expired", Revoked = "dev-revoked",
        Removable = "dev-gone", RevokedInRegistry = "dev-banned", Stolen = "dev-stolen";

    public TestFleet()
    {
        Root = Path.Combine(Path.GetTempPath(), "nfb-fleet-" + Guid.NewGuid().ToString("N")[..10]);
        var fleet = FleetInitializer.Create(Root, new FleetInitOptions { Name = "test-fleet" });

        // Free ports instead of the development defaults (other tests and engineers share the machine).
        var free = FreePorts(7);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        settings.PrimaryEndpoints = [$"localhost:{free[0]}"];
        settings.FallbackEndpoints = [$"localhost:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        FleetDir = FleetDirectory.Open(Root);

        var now = DateTimeOffset.UtcNow;
        foreach (var id in new[] { Active1, Active2, Revoked, Removable, RevokedInRegistry, Stolen })
            Devices[id] = AddDevice(id, now.AddYears(1));
        Devices[Expired] = AddDevice(Expired, now.AddDays(-1));

        using (var pki = FleetPki.Open(FleetDir))
            Crl.Revoke(FleetDir, pki, [Devices[Revoked].Serial], FleetPki.Now());
        DeviceRevocation.Revoke(FleetDir, RevokedInRegistry);

        RootCa = X509CertificateLoader.LoadCertificateFromFile(FleetDir.RootCaCertificate);
        RenewalService = new TestDevice(DeviceIds.RenewalService, File.ReadAllText(FleetDir.RenewalServiceCertificate), File.ReadAllText(FleetDir.RenewalServiceKey), "", "");
        Operator = new TestDevice(DeviceIds.Operator, File.ReadAllText(FleetDir.OperatorCertificate), File.ReadAllText(FleetDir.OperatorKey), "", "");
        OtherCaDevice = FromAnotherCa(Active1);
    }

    private TestDevice AddDevice(string id, DateTimeOffset notAfter)
    {
        var result = DeviceProvisioning.AddDevice(FleetDir, new AddDeviceOptions { DeviceId = id, NotAfter = notAfter });
        var bundle = DeviceBundle.Open(FleetDir, id);
        return new TestDevice(id, File.ReadAllText(Path.Combine(bundle.Directory, DeviceBundle.CertificateFile)), bundle.ReadPrivateKeyPem(), bundle.ReadFallbackPassword(), result.Record.Serial);
    }

    /// <summary>Another CA (same subject name as the fleet's issuing CA) issues a certificate with the CN of a real device:
    /// the name alone must not get it in.</summary>
    private TestDevice FromAnotherCa(string cn)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var fleetIssuing = X509CertificateLoader.LoadCertificateFromFile(FleetDir.IssuingCaCertificate);
        var caRequest = new CertificateRequest(fleetIssuing.SubjectName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-30), now.AddYears(5));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + cn, leafKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var leaf = req.Create(ca, now.AddDays(-1), now.AddYears(1), serial);
        return new TestDevice(cn, leaf.ExportCertificatePem() + "\n", leafKey.ExportECPrivateKeyPem(), "", Convert.ToHexStringLower(serial));
    }

    /// <summary>Re-signs the CRL as if it had been signed 31 days ago: its nextUpdate (30-day validity) has passed.</summary>
    public void OutdateCrl()
    {
        using var pki = FleetPki.Open(FleetDir);
        Crl.Refresh(FleetDir, pki, DateTimeOffset.UtcNow.AddDays(-31), force: true);
    }

    /// <summary>Re-signs the CRL now (`fleet crl refresh --force`); optionally turns the hash-dir copy into DER.</summary>
    public void RefreshCrl(bool hashDirAsDer = false)
    {
        using (var pki = FleetPki.Open(FleetDir))
            Crl.Refresh(FleetDir, pki, FleetPki.Now(), force: true);
        if (!hashDirAsDer)
            return;
        foreach (string file in System.IO.Directory.GetFiles(FleetDir.CrlHashDirectory, "*.r0"))
        {
            byte[] der = PemEncoding.TryFind(File.ReadAllText(file), out var fields) ? Convert.FromBase64String(File.ReadAllText(file)[fields.Base64Data]) : throw new InvalidOperationException(file);
            SecureFiles.Write(file, der, SecureFiles.Public);
        }
    }

    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners)
                l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners)
                l.Stop();
        }
    }

    public void Dispose()
    {
        RootCa.Dispose();
        try { System.IO.Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
