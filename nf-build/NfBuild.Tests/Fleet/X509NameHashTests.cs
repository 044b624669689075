using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>X509_NAME_hash against `openssl x509 -hash`, for the fleet's names and for names that exercise the canonical form.</summary>
public class X509NameHashTests : IDisposable
{
    private readonly FleetWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static string? OpenSslHash(string certPath) => FleetWorkspace.OpenSsl("x509", "-hash", "-noout", "-in", certPath)?.Trim();

    [Fact]
    public void IssuingAndRootCaHashes_MatchOpenSsl()
    {
        var fleet = _ws.Init();
        string? expected = OpenSslHash(fleet.IssuingCaCertificate);
        if (expected is null)
        {
            Console.WriteLine("skipped: openssl is not installed");
            return;
        }
        using var issuing = X509Certificate2.CreateFromPem(File.ReadAllText(fleet.IssuingCaCertificate));
        using var root = X509Certificate2.CreateFromPem(File.ReadAllText(fleet.RootCaCertificate));
        Assert.Equal(expected, X509NameHash.Compute(issuing.SubjectName));
        Assert.Equal(OpenSslHash(fleet.RootCaCertificate), X509NameHash.Compute(root.SubjectName));
        Assert.True(File.Exists(Path.Combine(fleet.CrlHashDirectory, expected + ".r0")));
    }

    public static TheoryData<string> Names => new()
    {
        "CN=  Mixed   CASE\tName  , O=Acme  Widgets",
        "CN=plain",
        "C=DE, O=\"Hello, World\", OU=Unit, CN=Üñíçødé Ünit",
        "E=Someone@Example.COM, CN=Mail Test",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void CanonicalisedNames_MatchOpenSsl(string name)
    {
        AssertMatchesOpenSsl(new X500DistinguishedName(name));
    }

    [Fact]
    public void MultiValuedRdnAndOtherStringTypes_MatchOpenSsl()
    {
        // RDN 1: PrintableString C; RDN 2: a two-element SET (IA5String + BMPString); RDN 3: T61String CN.
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSetOf())
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("2.5.4.6");
                w.WriteCharacterString(UniversalTagNumber.PrintableString, "NL");
            }
            using (w.PushSetOf())
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("0.9.2342.19200300.100.1.25");
                    w.WriteCharacterString(UniversalTagNumber.IA5String, "  Example ");
                }
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("2.5.4.11");
                    w.WriteCharacterString(UniversalTagNumber.BMPString, "Dept  ONE");
                }
            }
            using (w.PushSetOf())
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("2.5.4.3");
                w.WriteEncodedValue([0x14, 0x04, (byte)'T', 0xE9, (byte)'L', (byte)'E']); // T61String "TéLE" (Latin-1 byte)
            }
        }
        AssertMatchesOpenSsl(new X500DistinguishedName(w.Encode()));
    }

    private void AssertMatchesOpenSsl(X500DistinguishedName name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest(name, key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        string path = _ws.PathOf("name.pem");
        File.WriteAllText(path, cert.ExportCertificatePem());
        string? expected = OpenSslHash(path);
        if (expected is null)
        {
            Console.WriteLine("skipped: openssl is not installed");
            return;
        }
        Assert.Equal(expected, X509NameHash.Compute(name));
    }

    [Fact]
    public void CanonicalEncoding_LowerCasesAndCollapsesWhitespace_WithoutOuterSequence()
    {
        byte[] canon = X509NameHash.CanonicalEncoding(new X500DistinguishedName("CN=  A   B  "));
        // SET { SEQUENCE { OID 2.5.4.3, UTF8String "a b" } }
        Assert.Equal(Convert.FromHexString("310C300A06035504030C03612062"), canon);
    }
}
