using System.Security.Cryptography;
using NfBuild.Fleet;

namespace NfBuild.Renewal;

/// <summary>
/// The fleet CA (<see cref="FleetPki"/>) as the renewal authority's requests share it: opened once and reused while the
/// bytes of pki/root-ca.pem, pki/issuing-ca.pem and pki/issuing-ca.key stay the same (opening it parses the PEM key, a
/// few ms per request at fleet scale). The files are read on every use, so a rotated issuing CA is used by the very next
/// request, as with <see cref="FleetPki.Open"/> per request.
/// <para>Threat: a cache keyed by time stamps or kept for the process's life would go on signing with a replaced (e.g.
/// compromised and rotated) CA key; keyed by content it cannot.</para>
/// </summary>
public sealed class IssuingCaCache(FleetDirectory fleet)
{
    private sealed record Entry(byte[] Hash, FleetPki Pki);

    private Entry? _entry;
    private readonly object _gate = new();

    /// <summary>The CA for the current files. Not to be disposed by the caller; a replaced one is left to the GC (requests
    /// that started with it may still be signing).</summary>
    public FleetPki Current()
    {
        byte[] hash = HashOfFiles();
        var entry = _entry;
        if (entry is not null && CryptographicOperations.FixedTimeEquals(entry.Hash, hash))
            return entry.Pki;
        lock (_gate)
        {
            if (_entry is { } again && CryptographicOperations.FixedTimeEquals(again.Hash, hash))
                return again.Pki;
            var pki = FleetPki.Open(fleet);
            _entry = new Entry(hash, pki);
            return pki;
        }
    }

    private byte[] HashOfFiles()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string path in new[] { fleet.RootCaCertificate, fleet.IssuingCaCertificate, fleet.IssuingCaKey })
        {
            // A missing file: FleetPki.Open gives the clear error.
            byte[] bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
            sha.AppendData(BitConverter.GetBytes(bytes.Length));
            sha.AppendData(bytes);
        }
        return sha.GetHashAndReset();
    }
}
