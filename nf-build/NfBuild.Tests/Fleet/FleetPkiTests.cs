using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>The issuing-CA API the renewal service uses: certificates from CSRs.</summary>
public class FleetPkiTests : IDisposable
{
    private readonly FleetWorkspace _ws = new();
    private readonly FleetDirectory _fleet;

    public FleetPkiTests() => _fleet = _ws.Init();

    public void Dispose() => _ws.Dispose();

    private static byte[] Csr(ECDsa key, string subject) =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequest();

    [Fact]
    public void Csr_ForTheDeviceId_IsIssued_WithOurExtensionsAndTheCsrKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sensor-9", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true)); // asks for CA: ignored
        using var pki = FleetPki.Open(_fleet);

        using var cert = pki.IssueDeviceCertificate("sensor-9", request.CreateSigningRequest(), DateTimeOffset.UtcNow.AddDays(10));

        Assert.True(FleetAssert.Chains(cert, _fleet));
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal("sensor-9", cert.GetNameInfo(X509NameType.SimpleName, false));
        using var certKey = cert.GetECDsaPublicKey()!;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Csr_ForAnotherCn_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var pki = FleetPki.Open(_fleet);
        var e = Assert.Throws<FleetException>(() => pki.IssueDeviceCertificate("sensor-9", Csr(key, "CN=sensor-8"), DateTimeOffset.UtcNow.AddDays(10)));
        Assert.Contains("exactly one CN", e.Message);
    }

    [Fact]
    public void Csr_WithBrokenSignature_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = Csr(key, "CN=sensor-9");
        csr[^5] ^= 0x01; // inside the signature
        using var pki = FleetPki.Open(_fleet);
        Assert.Throws<FleetException>(() => pki.IssueDeviceCertificate("sensor-9", csr, DateTimeOffset.UtcNow.AddDays(10)));
    }

    [Fact]
    public void Csr_WithAnotherCurve_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var pki = FleetPki.Open(_fleet);
        var e = Assert.Throws<FleetException>(() => pki.IssueDeviceCertificate("sensor-9", Csr(key, "CN=sensor-9"), DateTimeOffset.UtcNow.AddDays(10)));
        Assert.Contains("P-256", e.Message);
    }

    [Fact]
    public void NotAfterBeyondTheIssuingCa_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var pki = FleetPki.Open(_fleet);
        Assert.Throws<FleetException>(() => pki.IssueDeviceCertificate("sensor-9", key, DateTimeOffset.UtcNow.AddYears(50)));
    }
}
