using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NfBuild.Fleet;

/// <summary>
/// The issuing CA's CRL: pki/crl/issuing-ca.crl.pem, plus the same PEM as pki/crl/hash/&lt;issuer
/// hash&gt;.r0 for Erlang's ssl_crl_hash_dir. Valid for 30 days; re-signed whenever fewer than 20
/// days remain, so brokers never see an expired CRL.
/// </summary>
/// <remarks>Threat: a broker configured to check CRLs refuses every client once the CRL's nextUpdate
/// passes (or, if configured leniently, accepts revoked ones); re-signing early with a 10-day margin
/// keeps it fresh even when the operator skips a few runs. The CRL is public: it reveals only serials.</remarks>
public static class Crl
{
    /// <summary>nextUpdate - thisUpdate.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(30);

    /// <summary>Re-sign when less than this remains before nextUpdate.</summary>
    public static readonly TimeSpan RefreshWhenLessThan = TimeSpan.FromDays(20);

    /// <summary>The current CRL of the fleet.</summary>
    public static CrlInfo Read(FleetDirectory fleet)
    {
        if (!File.Exists(fleet.CrlFile))
            throw new FleetException($"CRL '{fleet.CrlFile}' does not exist");
        return CrlInfo.Parse(File.ReadAllBytes(fleet.CrlFile));
    }

    /// <summary>Writes the first, empty CRL (fleet init).</summary>
    internal static void CreateEmpty(FleetDirectory fleet, X509Certificate2 issuingCaWithKey, DateTimeOffset now) =>
        Write(fleet, issuingCaWithKey, new CertificateRevocationListBuilder(), BigInteger.One, now);

    /// <summary>Re-signs the CRL when fewer than 20 days remain before nextUpdate (or when forced).
    /// Returns true when it was re-signed.</summary>
    public static bool Refresh(FleetDirectory fleet, FleetPki pki, DateTimeOffset now, bool force = false)
    {
        using var lockFile = FileLock.Acquire(fleet.CrlFile + ".lock", $"CRL '{fleet.CrlFile}'");
        CrlInfo current = Read(fleet);
        if (!force && current.NextUpdate is { } next && next - now >= RefreshWhenLessThan)
            return false;
        var builder = CertificateRevocationListBuilder.Load(current.Der, out BigInteger number);
        Write(fleet, pki.IssuingCa, builder, number + 1, now);
        return true;
    }

    /// <summary>Adds <paramref name="serialsHex"/> (those not yet listed) and re-signs. Returns the
    /// serials that were added.</summary>
    public static IReadOnlyList<string> Revoke(FleetDirectory fleet, FleetPki pki, IEnumerable<string> serialsHex, DateTimeOffset now)
    {
        using var lockFile = FileLock.Acquire(fleet.CrlFile + ".lock", $"CRL '{fleet.CrlFile}'");
        CrlInfo current = Read(fleet);
        var builder = CertificateRevocationListBuilder.Load(current.Der, out BigInteger number);
        var added = new List<string>();
        foreach (string serial in serialsHex.Select(s => s.ToLowerInvariant()).Distinct())
        {
            if (current.RevokedSerials.Contains(serial))
                continue;
            builder.AddEntry(CertificateSerials.FromHex(serial), now, X509RevocationReason.CessationOfOperation);
            added.Add(serial);
        }
        Write(fleet, pki.IssuingCa, builder, number + 1, now);
        return added;
    }

    private static void Write(FleetDirectory fleet, X509Certificate2 issuingCaWithKey, CertificateRevocationListBuilder builder, BigInteger number, DateTimeOffset now)
    {
        byte[] der;
        try
        {
            der = builder.Build(issuingCaWithKey, number, now + Validity, HashAlgorithmName.SHA256, thisUpdate: now);
        }
        catch (CryptographicException e)
        {
            throw new FleetException($"cannot sign the CRL: {e.Message}", e);
        }
        string pem = PemEncoding.WriteString("X509 CRL", der) + "\n";
        SecureFiles.CreateDirectory(fleet.CrlHashDirectory, SecureFiles.PublicDirectory);
        // Hash file first, main file last: a crash in between leaves both valid CRLs of this issuer.
        SecureFiles.WritePublic(Path.Combine(fleet.CrlHashDirectory, X509NameHash.Compute(issuingCaWithKey.SubjectName) + ".r0"), pem);
        SecureFiles.WritePublic(fleet.CrlFile, pem);
    }
}
