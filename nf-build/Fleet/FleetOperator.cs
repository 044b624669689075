using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NfBuild.Fleet;

/// <summary>
/// The fleet's operator identity: a client certificate from the issuing CA with CN <c>operator</c> (clientAuth,
/// CA:false) at pki/operator.pem (with the issuing CA) and its key at pki/operator.key (0600). `fleet init` writes it;
/// `fleet operator` (or `release rollout`, lazily) adds it to a fleet made before it existed.
/// Threat: whoever holds pki/operator.key may publish devices/&lt;any id&gt;/commands on the primary, i.e. point any
/// device at a URL; what a device installs is still decided by the release signature, version and board checks.
/// It reads nothing (no telemetry, no status).
/// </summary>
public static class FleetOperator
{
    /// <summary>Validity of an operator certificate added later (as `fleet init`'s service certificates), bounded by the issuing CA.</summary>
    public const int DefaultDays = 825;

    /// <summary>True when pki/operator.pem and pki/operator.key both exist.</summary>
    public static bool Exists(FleetDirectory fleet) => File.Exists(fleet.OperatorCertificate) && File.Exists(fleet.OperatorKey);

    /// <summary>Creates the operator files when they are missing; true when they were created now. A half pair
    /// (one file without the other) is refused rather than overwritten.</summary>
    public static bool Ensure(FleetDirectory fleet)
    {
        if (Exists(fleet))
            return false;
        if (File.Exists(fleet.OperatorCertificate) || File.Exists(fleet.OperatorKey))
            throw new FleetException($"only one of {fleet.OperatorCertificate} and {fleet.OperatorKey} exists; remove it to issue a new operator identity");
        using var pki = FleetPki.Open(fleet);
        DateTimeOffset notAfter = FleetPki.Now() + TimeSpan.FromDays(DefaultDays);
        DateTimeOffset caNotAfter = FleetPki.Truncate(pki.IssuingCa.NotAfter.ToUniversalTime());
        if (notAfter > caNotAfter)
            notAfter = caNotAfter;
        Write(fleet, pki.IssuingCa, notAfter);
        return true;
    }

    /// <summary>Issues the operator certificate under <paramref name="issuing"/> (with key) and writes both files.</summary>
    internal static void Write(FleetDirectory fleet, X509Certificate2 issuing, DateTimeOffset notAfter)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(FleetPki.SubjectFor(DeviceIds.Operator, fleet.Settings.Name), key, HashAlgorithmName.SHA256);
        FleetPki.AddEndEntityExtensions(request, issuing, X509KeyUsageFlags.DigitalSignature, Oids.ClientAuth);
        using X509Certificate2 cert = request.Create(issuing, FleetPki.Now() - FleetPki.ClockSkew, notAfter, CertificateSerials.NewSerial());
        // Key first: a certificate without its key is never left behind as "exists".
        SecureFiles.WriteSecret(fleet.OperatorKey, key.ExportPkcs8PrivateKeyPem() + "\n");
        SecureFiles.WritePublic(fleet.OperatorCertificate, cert.ExportCertificatePem() + "\n" + issuing.ExportCertificatePem() + "\n");
    }
}
