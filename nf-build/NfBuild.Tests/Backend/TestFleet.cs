using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using NfBuild.Backend;

namespace NfBuild.Tests.Backend;

/// <summary>A device credential written by <see cref="TestFleet"/>.</summary>
public sealed record TestDevice(string Id, string CertPem, string KeyPem, string FallbackPassword, byte[] Serial)
{
    /// <summary>Leaf with its key, re-imported through PKCS#12 so SslStream on Linux can use the key.</summary>
    public X509Certificate2 Certificate()
    {
        using var pem = X509Certificate2.CreateFromPem(CertPem, KeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>
/// Writes a fleet directory in exactly the plan/contracts.md layout with real ECDSA P-256 certificates made with
/// CertificateRequest (the fleet tool is built elsewhere; these tests do not depend on it): root and issuing CA,
/// server chain (SAN localhost / 127.0.0.1), renewal-service cert, device certs, an expired device cert, a cert
/// (CN of a real device) from another CA, and the issuing CA's CRL in PEM plus its OpenSSL hash-dir copy.
/// </summary>
public sealed class TestFleet : IDisposable
{
    public string Root { get; }
    public FleetLayout Layout { get; }
    public X509Certificate2 RootCa { get; }
    public X509Certificate2 IssuingCa { get; }
    public Dictionary<string, TestDevice> Devices { get; } = new();
    /// <summary>CN = an existing device id, issued by an unrelated CA.</summary>
    public TestDevice OtherCaDevice { get; }
    public TestDevice RenewalService { get; }
    public FleetPorts Ports { get; }
    private readonly ECDsa _issuingKey;
    private readonly List<byte[]> _revoked = new();

    public const string Active1 = "dev-a", Active2 = "dev-b", Expired = "dev-expired", Revoked = "dev-revoked",
        Removable = "dev-gone", Unregistered = "dev-unknown", RevokedInRegistry = "dev-banned";

    public TestFleet()
    {
        Root = Path.Combine(Path.GetTempPath(), "nfb-fleet-" + Guid.NewGuid().ToString("N")[..10]);
        Layout = new FleetLayout(Root);
        Directory.CreateDirectory(Path.Combine(Root, "pki", "crl", "hash"));
        Directory.CreateDirectory(Path.Combine(Root, "registry"));
        var now = DateTimeOffset.UtcNow;

        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RootCa = CaCert("CN=IotDevice Test Root CA,O=IotDevice Tests", rootKey, null, null, now.AddDays(-800), now.AddYears(10), pathLen: 1);
        _issuingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        IssuingCa = CaCert("CN=IotDevice Test Issuing CA,O=IotDevice Tests", _issuingKey, RootCa, rootKey, now.AddDays(-790), now.AddYears(5), pathLen: 0);

        File.WriteAllText(Layout.RootCa, RootCa.ExportCertificatePem() + "\n");
        File.WriteAllText(Layout.IssuingCa, IssuingCa.ExportCertificatePem() + "\n");
        File.WriteAllText(Layout.CaBundle, IssuingCa.ExportCertificatePem() + "\n" + RootCa.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(Layout.PkiDir, "root-ca.key"), rootKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(Layout.PkiDir, "issuing-ca.key"), _issuingKey.ExportPkcs8PrivateKeyPem());

        using (var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var server = Leaf("CN=localhost", serverKey, now.AddDays(-1), now.AddYears(1), server: true, out _);
            File.WriteAllText(Layout.ServerCert, server.ExportCertificatePem() + "\n" + IssuingCa.ExportCertificatePem() + "\n");
            File.WriteAllText(Layout.ServerKey, serverKey.ExportPkcs8PrivateKeyPem());
        }
        RenewalService = NewClient("renewal-service", now.AddDays(-1), now.AddYears(1));
        File.WriteAllText(Layout.RenewalServiceCert, RenewalService.CertPem + IssuingCa.ExportCertificatePem() + "\n");
        File.WriteAllText(Layout.RenewalServiceKey, RenewalService.KeyPem);

        foreach (var id in new[] { Active1, Active2, Revoked, Removable, Unregistered, RevokedInRegistry })
            Devices[id] = NewClient(id, now.AddDays(-1), now.AddYears(1));
        Devices[Expired] = NewClient(Expired, now.AddDays(-400), now.AddDays(-1));

        // Another CA issues a certificate with the CN of a real device: the name alone must not get it in.
        using (var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var other = CaCert("CN=IotDevice Test Issuing CA,O=Attacker", otherKey, null, null, now.AddDays(-30), now.AddYears(5), pathLen: 0);
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = LeafRequest("CN=" + Active1, leafKey, server: false);
            var serial = RandomSerial();
            using var leaf = req.Create(other.CopyWithPrivateKey(otherKey), now.AddDays(-1), now.AddYears(1), serial);
            OtherCaDevice = new TestDevice(Active1, leaf.ExportCertificatePem() + "\n", leafKey.ExportECPrivateKeyPem(), "", serial);
        }

        Revoke(Devices[Revoked].Serial);
        Revoke(Devices[RevokedInRegistry].Serial);
        WriteCrl(now.AddDays(7));

        var free = FreePorts(7);
        Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        WriteFleetJson();
        WriteRegistry();
    }

    public void Revoke(byte[] serial) => _revoked.Add(serial);

    /// <summary>Writes the issuing CA's CRL (PEM, contracts.md path) and its hash-dir copy, optionally with nextUpdate in the past.</summary>
    public byte[] WriteCrl(DateTimeOffset nextUpdate, DateTimeOffset? thisUpdate = null, bool hashDirAsDer = false)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var s in _revoked)
            builder.AddEntry(s, (thisUpdate ?? DateTimeOffset.UtcNow).AddMinutes(-5), X509RevocationReason.KeyCompromise);
        var issuer = IssuingCa.CopyWithPrivateKey(_issuingKey);
        byte[] der = builder.Build(issuer, new BigInteger(DateTime.UtcNow.Ticks), nextUpdate, HashAlgorithmName.SHA256, null, thisUpdate ?? DateTimeOffset.UtcNow.AddMinutes(-1));
        string pem = PemEncoding.WriteString("X509 CRL", der) + "\n";
        File.WriteAllText(Layout.CrlPem, pem);
        string hashFile = Path.Combine(Layout.CrlHashDir, IssuerHash() + ".r0");
        if (hashDirAsDer)
            File.WriteAllBytes(hashFile + ".tmp", der);
        else
            File.WriteAllText(hashFile + ".tmp", pem);
        File.Move(hashFile + ".tmp", hashFile, overwrite: true);
        return der;
    }

    private string? _issuerHash;

    /// <summary>OpenSSL's X509_NAME_hash of the issuing CA's subject (computed with the openssl CLI, as the brief allows in tests).</summary>
    public string IssuerHash()
    {
        if (_issuerHash is not null)
            return _issuerHash;
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "x509", "-hash", "-noout", "-in", Layout.IssuingCa })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string hash = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0 || hash.Length != 8)
            throw new InvalidOperationException("openssl x509 -hash failed: " + p.StandardError.ReadToEnd());
        return _issuerHash = hash;
    }

    public void WriteFleetJson()
    {
        var json = new
        {
            name = "test-fleet",
            brokerHosts = new[] { "localhost", "127.0.0.1" },
            primaryEndpoints = new[] { $"localhost:{Ports.PrimaryMqtts}" },
            fallbackEndpoints = new[] { $"localhost:{Ports.FallbackMqtts}" },
            primaryVhost = "iot",
            fallbackVhost = "fallback",
            renewalWindowDays = 30,
            deviceCertDays = 365,
            graceDays = 30,
            ports = new { primaryMqtts = Ports.PrimaryMqtts, primaryAmqps = Ports.PrimaryAmqps, fallbackMqtts = Ports.FallbackMqtts, fallbackAmqps = Ports.FallbackAmqps, epmd = Ports.Epmd, primaryDist = Ports.PrimaryDist, fallbackDist = Ports.FallbackDist },
        };
        File.WriteAllText(Layout.FleetJson, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }

    private void WriteRegistry()
    {
        // All test devices except dev-unknown; dev-banned is revoked in the registry. dev-revoked stays "active" here
        // on purpose so that the CRL alone is what refuses it (in production revocation also deletes the user).
        var list = Devices.Values.Where(d => d.Id != Unregistered).Select(d => new
        {
            id = d.Id,
            serial = Convert.ToHexStringLower(d.Serial),
            pendingSerial = (string?)null,
            serials = new[] { Convert.ToHexStringLower(d.Serial) },
            notAfter = "2099-01-01T00:00:00Z",
            state = d.Id == RevokedInRegistry ? "revoked" : "active",
            fallbackPasswordHash = RabbitPasswordHash.Compute(d.FallbackPassword),
            addedUtc = "2025-01-01T00:00:00Z",
        });
        File.WriteAllText(Layout.Registry, JsonSerializer.Serialize(list, new JsonSerializerOptions { WriteIndented = true }));
    }

    private TestDevice NewClient(string cn, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = Leaf("CN=" + cn, key, notBefore, notAfter, server: false, out var serial);
        return new TestDevice(cn, cert.ExportCertificatePem() + "\n", key.ExportECPrivateKeyPem(), "fb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), serial);
    }

    private X509Certificate2 Leaf(string subject, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter, bool server, out byte[] serial)
    {
        var req = LeafRequest(subject, key, server);
        serial = RandomSerial();
        return req.Create(IssuingCa.CopyWithPrivateKey(_issuingKey), notBefore, notAfter, serial);
    }

    private static CertificateRequest LeafRequest(string subject, ECDsa key, bool server)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
        }
        return req;
    }

    private static X509Certificate2 CaCert(string subject, ECDsa key, X509Certificate2? issuer, ECDsa? issuerKey, DateTimeOffset notBefore, DateTimeOffset notAfter, int pathLen)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLen, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        if (issuer is null)
        {
            using var self = req.CreateSelfSigned(notBefore, notAfter);
            return X509CertificateLoader.LoadCertificate(self.RawData);
        }
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = req.Create(issuer.CopyWithPrivateKey(issuerKey!), notBefore, notAfter, RandomSerial());
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    private static byte[] RandomSerial()
    {
        var s = RandomNumberGenerator.GetBytes(16);
        s[0] = (byte)((s[0] & 0x7F) | 0x01);
        return s;
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
        _issuingKey.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
