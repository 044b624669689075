using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Backend;
using NfBuild.Fleet;

namespace NfBuild.EmbeddedBackend;

/// <summary>
/// The client-certificate check of the RabbitMQ nodes' ssl_options (verify_peer with cacertfile = pki/ca-bundle.pem,
/// crl_check with ssl_crl_hash_dir): the chain must end at the fleet's root (the issuing CA from the bundle completes
/// it), the certificate must be valid now and, if it has an EKU, allow clientAuth; the CRL is read from
/// &lt;fleet&gt;/pki/crl/hash/&lt;X509_NAME_hash of the issuer&gt;.r0 at every handshake, as OTP does, so a new CRL
/// applies at once.
/// </summary>
public sealed class FleetClientCertificates : IDisposable
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly X509Certificate2Collection _bundle = new();
    private readonly string _crlHashDirectory;
    private readonly CrlCheckMode _crlCheck;
    private readonly Func<DateTimeOffset> _now;

    public FleetClientCertificates(FleetDirectory fleet, CrlCheckMode crlCheck = CrlCheckMode.BestEffort, Func<DateTimeOffset>? now = null)
    {
        _bundle.ImportFromPemFile(fleet.CaBundle);
        if (_bundle.Count == 0)
            throw new BackendException($"CA bundle {fleet.CaBundle} holds no certificate");
        _crlHashDirectory = fleet.CrlHashDirectory;
        _crlCheck = crlCheck;
        _now = now ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>Null when the certificate is accepted, else why not (as a TLS alert would name it).</summary>
    public string? Check(X509Certificate2 leaf, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var ca in _bundle)
        {
            if (ca.SubjectName.RawData.AsSpan().SequenceEqual(ca.IssuerName.RawData))
                chain.ChainPolicy.CustomTrustStore.Add(ca);
            else
                chain.ChainPolicy.ExtraStore.Add(ca);
        }
        // Only the bundle: intermediates a client sends are not trusted to complete a chain to the root (cacertfile).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _now().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(leaf))
        {
            var status = chain.ChainStatus.Select(s => s.Status).ToList();
            if (status.Contains(X509ChainStatusFlags.NotTimeValid))
                return "certificate expired";
            if (status.Contains(X509ChainStatusFlags.UntrustedRoot) || status.Contains(X509ChainStatusFlags.PartialChain) || status.Contains(X509ChainStatusFlags.NotSignatureValid))
                return "unknown ca";
            return "bad certificate: " + string.Join(", ", status);
        }
        if (_crlCheck == CrlCheckMode.None)
            return null;
        var issuer = chain.ChainElements.Count > 1 ? chain.ChainElements[1].Certificate : null;
        return issuer is null ? null : CheckCrl(leaf, issuer);
    }

    private string? CheckCrl(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        string path = Path.Combine(_crlHashDirectory, X509NameHash.Compute(leaf.IssuerName) + ".r0");
        CrlInfo? crl = null;
        try
        {
            if (File.Exists(path))
                crl = CrlInfo.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is FleetException or IOException)
        {
            crl = null;
        }
        using var key = issuer.GetECDsaPublicKey();
        bool usable = crl is not null && key is not null && crl.Issuer.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData)
            && crl.VerifySignature(key) && (crl.NextUpdate is not { } next || next > _now());
        if (!usable)
        {
            // best_effort: a missing, outdated or unverifiable CRL does not refuse (the fleet is never locked out by it).
            return _crlCheck == CrlCheckMode.Peer ? "revocation status undetermined" : null;
        }
        string serial = leaf.SerialNumber.ToLowerInvariant();
        return crl!.RevokedSerials.Contains(serial) ? "certificate revoked" : null;
    }

    public void Dispose()
    {
        foreach (var c in _bundle)
            c.Dispose();
    }
}
