using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NfBuild.Backend;

/// <summary>
/// The device's rule for a fleet server (broker or firmware server), used by every tooling client that talks to one
/// (renewal service, operator, observers, simulation): the chain must end at the pinned fleet root, system roots are
/// ignored, the host name must match and the leaf must be for serverAuth.
/// Threat: a server holding a certificate from any public or other CA, or a fleet client certificate, cannot pose as
/// the fleet's broker to these clients; revocation is not checked (the fleet CRL lists device certificates only).
/// </summary>
public static class PinnedServerCertificate
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    public static bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2 pinnedRoot)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pinnedRoot);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
