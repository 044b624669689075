using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NfBuild.Fleet;

/// <summary>
/// The fleet's certificate authority as the online parts use it: the pinned root (public only) and the
/// issuing CA with its key, which signs device certificates (first issue and renewal) and the CRL.
/// ECDSA P-256 / SHA-256 throughout.
/// </summary>
public sealed class FleetPki : IDisposable
{
    /// <summary>OID of NIST P-256 (secp256r1).</summary>
    public const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>Devices get this long before "now" as notBefore, so a device whose clock is a little behind accepts a fresh certificate.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly FleetDirectory _fleet;

    private FleetPki(FleetDirectory fleet, X509Certificate2 root, X509Certificate2 issuing)
    {
        _fleet = fleet;
        RootCa = root;
        IssuingCa = issuing;
    }

    /// <summary>The root CA certificate (no key: the root key stays offline after <c>fleet init</c>).</summary>
    public X509Certificate2 RootCa { get; }

    /// <summary>The issuing CA certificate with its private key.</summary>
    public X509Certificate2 IssuingCa { get; }

    /// <summary>Loads pki/root-ca.pem, pki/issuing-ca.pem and pki/issuing-ca.key.</summary>
    public static FleetPki Open(FleetDirectory fleet)
    {
        try
        {
            var root = X509Certificate2.CreateFromPem(SecureFiles.ReadText(fleet.RootCaCertificate, "root CA certificate"));
            SecureFiles.ReadText(fleet.IssuingCaKey, "issuing CA key"); // clear error when missing
            var issuing = X509Certificate2.CreateFromPemFile(fleet.IssuingCaCertificate, fleet.IssuingCaKey);
            return new FleetPki(fleet, root, issuing);
        }
        catch (CryptographicException e)
        {
            throw new FleetException($"cannot load the fleet CA from {fleet.PkiDirectory}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Issues a device certificate for the key in a PKCS#10 request (renewal). The request's signature
    /// must verify and its subject must carry exactly one CN, equal to <paramref name="deviceId"/>.
    /// Only the public key is taken from the request: subject, extensions and validity are ours.
    /// </summary>
    /// <remarks>Threat: a CSR without a valid self-signature may carry someone else's public key (the
    /// requester could then not use the certificate, but it could confuse key-to-device bookkeeping); a
    /// CSR for another CN would let one device obtain another device's identity; CSR extensions could ask
    /// for CA:true or serverAuth. All three are refused or ignored here. The caller must still prove
    /// the request comes from <paramref name="deviceId"/> (renewal PoP).</remarks>
    public X509Certificate2 IssueDeviceCertificate(string deviceId, byte[] csrDer, DateTimeOffset notAfter)
    {
        DeviceIds.Validate(deviceId);
        CertificateRequest csr;
        try
        {
            csr = CertificateRequest.LoadSigningRequest(csrDer, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            throw new FleetException($"certificate request of '{deviceId}' is not a valid signed PKCS#10 request: {e.Message}", e);
        }
        var commonNames = csr.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == Oids.CommonName)
            .Select(r => r.GetSingleElementValue())
            .ToList();
        if (commonNames.Count != 1 || commonNames[0] != deviceId)
            throw new FleetException($"certificate request subject '{csr.SubjectName.Name}' must have exactly one CN, equal to the device id '{deviceId}'");
        using ECDsa key = csr.PublicKey.GetECDsaPublicKey()
            ?? throw new FleetException($"certificate request of '{deviceId}' does not carry an ECDSA key (P-256 required)");
        return IssueDeviceCertificate(deviceId, key, notAfter);
    }

    /// <summary>
    /// Issues a device certificate for <paramref name="publicKey"/>: CN = id, O = fleet name, clientAuth,
    /// digitalSignature, CA:false, a random serial unique in the registry, notBefore = now - 5 min
    /// (or one day before <paramref name="notAfter"/> when that lies in the past: an already-expired
    /// identity to rehearse renewal).
    /// </summary>
    public X509Certificate2 IssueDeviceCertificate(string deviceId, ECDsa publicKey, DateTimeOffset notAfter)
    {
        DeviceIds.Validate(deviceId);
        RequireP256(publicKey, $"key of '{deviceId}'");
        DateTimeOffset now = Now();
        notAfter = Truncate(notAfter);
        DateTimeOffset notBefore = now - ClockSkew;
        if (notBefore >= notAfter)
            notBefore = notAfter - TimeSpan.FromDays(1);
        if (notAfter > IssuingCa.NotAfter.ToUniversalTime())
            throw new FleetException($"notAfter {notAfter:yyyy-MM-ddTHH:mm:ssZ} of '{deviceId}' is later than the issuing CA's notAfter {IssuingCa.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");

        var request = new CertificateRequest(SubjectFor(deviceId, _fleet.Settings.Name), publicKey, HashAlgorithmName.SHA256);
        AddEndEntityExtensions(request, IssuingCa, X509KeyUsageFlags.DigitalSignature, Oids.ClientAuth);
        byte[] serial = UniqueSerial();
        using ECDsa caKey = IssuingCa.GetECDsaPrivateKey()!;
        // Signed through a generator rather than Create(issuerCert, …) so that an expired rehearsal
        // certificate may start before the CA's notBefore; notAfter is bounded above.
        return request.Create(IssuingCa.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, notAfter, serial);
    }

    /// <summary>Subject of a device certificate: O = fleet name, CN = device id.</summary>
    public static X500DistinguishedName SubjectFor(string commonName, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organization);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>Refuses anything but an ECDSA P-256 key.</summary>
    public static void RequireP256(ECDsa key, string what)
    {
        ECParameters p = key.ExportParameters(false);
        if (p.Curve.Oid?.Value != P256Oid && p.Curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256" or "secp256r1"))
            throw new FleetException($"{what} is not on curve P-256");
    }

    internal static void AddEndEntityExtensions(CertificateRequest request, X509Certificate2 issuer, X509KeyUsageFlags usage, string eku)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
    }

    /// <summary>Now, in whole seconds (X.509 precision).</summary>
    public static DateTimeOffset Now() => Truncate(DateTimeOffset.UtcNow);

    /// <summary>X.509 times have whole seconds.</summary>
    internal static DateTimeOffset Truncate(DateTimeOffset t) =>
        new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private byte[] UniqueSerial()
    {
        while (true)
        {
            byte[] serial = CertificateSerials.NewSerial();
            if (!_fleet.Registry.IsSerialUsed(CertificateSerials.ToHex(serial)))
                return serial;
        }
    }

    public void Dispose()
    {
        RootCa.Dispose();
        IssuingCa.Dispose();
    }
}
