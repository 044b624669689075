using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NfBuild.Tests.HostAdapters;

/// <summary>
/// A small PKI shaped like the fleet's (README "Fleet workspace"): ECDSA P-256 / SHA-256 root, issuing CA, a broker
/// certificate (EKU serverAuth, SAN localhost + 127.0.0.1) and device certificates (CN = device id, EKU
/// clientAuth), plus a second, unrelated root for the "other CA" cases. Built with .NET's
/// CertificateRequest, real keys and real signatures.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private TestPki(string name)
    {
        Root = CreateCa($"CN={name} Root CA", null);
        Issuing = CreateCa($"CN={name} Issuing CA", Root);
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Issuing { get; }

    public static TestPki Create(string name = "IotDevice Test") => new(name);

    public string RootPem => Root.ExportCertificatePem() + "\n";

    public byte[] RootPemBytes => Encoding.UTF8.GetBytes(RootPem);

    /// <summary>A broker certificate for <paramref name="dnsNames"/> and <paramref name="ips"/> (leaf with key).</summary>
    public X509Certificate2 IssueServer(string[]? dnsNames = null, IPAddress[]? ips = null)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames ?? ["localhost"]) san.AddDnsName(dns);
        foreach (IPAddress ip in ips ?? [IPAddress.Loopback]) san.AddIpAddress(ip);
        return Issue("CN=broker", ServerAuth, san, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A device certificate (leaf with key), valid now unless dates are given.</summary>
    public X509Certificate2 IssueDevice(string deviceId, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue("CN=" + deviceId, ClientAuth, null, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(365));

    /// <summary>Leaf PEM followed by the issuing CA PEM (what the device sends in the handshake).</summary>
    public byte[] ChainPem(X509Certificate2 leaf) =>
        Encoding.UTF8.GetBytes(leaf.ExportCertificatePem() + "\n" + Issuing.ExportCertificatePem() + "\n");

    /// <summary>The SEC1 "EC PRIVATE KEY" PEM of a leaf (what the NVS holds).</summary>
    public static byte[] KeyPem(X509Certificate2 leaf)
    {
        using ECDsa key = leaf.GetECDsaPrivateKey()!;
        return Encoding.UTF8.GetBytes(key.ExportECPrivateKeyPem() + "\n");
    }

    private X509Certificate2 Issue(string subject, string eku, SubjectAlternativeNameBuilder? san, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuing, true, false));
        if (san is not null)
            request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.Create(Issuing, notBefore, notAfter, Serial());
        return cert.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateCa(string subject, X509Certificate2? parent)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, parent is not null, parent is null ? 0 : 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset notBefore = DateTimeOffset.UtcNow.AddYears(-3), notAfter = DateTimeOffset.UtcNow.AddYears(5);
        if (parent is null)
            return request.CreateSelfSigned(notBefore, notAfter);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(parent, true, false));
        // The parent's notAfter is truncated to whole seconds: a second boundary between the two calls would put ours after it.
        if (notAfter > new DateTimeOffset(parent.NotAfter))
            notAfter = new DateTimeOffset(parent.NotAfter);
        using X509Certificate2 cert = request.Create(parent, notBefore, notAfter, Serial());
        return cert.CopyWithPrivateKey(key);
    }

    private static byte[] Serial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        serial[0] |= 0x01; // and 16 bytes long
        return serial;
    }

    public void Dispose()
    {
        Root.Dispose();
        Issuing.Dispose();
    }
}
