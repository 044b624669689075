using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;

namespace NfBuild.Tests.Fleet;

internal static class FleetAssert
{
    /// <summary>X509Chain with the fleet root as the only trust anchor, no revocation check.</summary>
    public static bool Chains(X509Certificate2 leaf, FleetDirectory fleet, X509Certificate2? issuing = null, DateTime? at = null)
    {
        using var root = X509Certificate2.CreateFromPem(File.ReadAllText(fleet.RootCaCertificate));
        using var issuingCa = issuing ?? X509Certificate2.CreateFromPem(File.ReadAllText(fleet.IssuingCaCertificate));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuingCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (at is { } t)
            chain.ChainPolicy.VerificationTime = t;
        bool ok = chain.Build(leaf);
        return ok && chain.ChainElements.Count == 3
            && chain.ChainElements[1].Certificate.RawData.AsSpan().SequenceEqual(issuingCa.RawData)
            && chain.ChainElements[2].Certificate.RawData.AsSpan().SequenceEqual(root.RawData);
    }
}
