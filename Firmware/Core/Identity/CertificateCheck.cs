using System;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// Decides whether a certificate issued in a renewal response may become the device's identity:
    /// leaf ← issuing CA (sent along in the response) ← one of the pinned roots (NVS ca_0 / ca_1),
    /// ECDSA P-256 / SHA-256 signatures verified through <see cref="ICrypto"/>, CN = device id, public key =
    /// the key the device just generated, all dates valid at the trusted clock.
    /// Threat: the response travels through the broker; whoever can publish on the response topic (a broker
    /// operator, a compromised service account) could offer a certificate from another CA, for another
    /// device, for a key they hold, or an altered one. Each is refused here before anything is stored, so
    /// the worst they achieve is a failed renewal. Only a CA the device pins can give it an identity.
    /// </summary>
    public sealed class CertificateCheck
    {
        private readonly ICrypto _crypto;
        private readonly X509Certificate[] _roots;

        /// <param name="roots">The pinned root certificates (one or two during a root rotation).</param>
        public CertificateCheck(ICrypto crypto, X509Certificate[] roots)
        {
            if (crypto == null)
                throw new ArgumentNullException("crypto");
            if (roots == null || roots.Length == 0)
                throw new ArgumentException("at least one pinned root is required");
            _crypto = crypto;
            _roots = roots;
        }

        /// <summary>The leaf of the last accepted check (null after a rejection).</summary>
        public X509Certificate Leaf { get; private set; }

        /// <summary>The issuing CA of the last accepted check.</summary>
        public X509Certificate Issuing { get; private set; }

        public CertificateRejection Check(byte[] leafDer, byte[] issuingDer, string deviceId, byte[] expectedPublicKeyInfo, DateTime now)
        {
            Leaf = null;
            Issuing = null;
            X509Certificate leaf;
            X509Certificate issuing;
            X509Certificate expectedKey;
            try
            {
                leaf = X509Certificate.Parse(leafDer);
                issuing = X509Certificate.Parse(issuingDer);
            }
            catch (DerFormatException)
            {
                return CertificateRejection.Malformed;
            }
            if (!leaf.IsEcdsaWithSha256 || !issuing.IsEcdsaWithSha256 || !leaf.IsEcP256Key || !issuing.IsEcP256Key)
                return CertificateRejection.UnsupportedAlgorithm;
            if (leaf.HasUnknownCriticalExtension || issuing.HasUnknownCriticalExtension)
                return CertificateRejection.UnsupportedCriticalExtension;

            // The issuing certificate must be signed by a pinned root: name match first, then the signature.
            bool anchored = false;
            for (int i = 0; i < _roots.Length && !anchored; i++)
            {
                X509Certificate root = _roots[i];
                if (X509Certificate.SameBytes(root.SubjectName, issuing.IssuerName)
                    && _crypto.VerifyEcdsaP256Sha256(root.SubjectPublicKeyInfo, issuing.Der, issuing.TbsOffset, issuing.TbsLength, issuing.Signature))
                    anchored = true;
            }
            if (!anchored)
                return CertificateRejection.UntrustedIssuer;
            if (!issuing.IsCa || (issuing.KeyUsage >= 0 && (issuing.KeyUsage & X509Certificate.KeyUsageKeyCertSign) == 0))
                return CertificateRejection.IssuerNotCa;
            if (!X509Certificate.SameBytes(leaf.IssuerName, issuing.SubjectName))
                return CertificateRejection.UntrustedIssuer;
            if (!_crypto.VerifyEcdsaP256Sha256(issuing.SubjectPublicKeyInfo, leaf.Der, leaf.TbsOffset, leaf.TbsLength, leaf.Signature))
                return CertificateRejection.BadSignature;

            if (leaf.IsCa)
                return CertificateRejection.LeafIsCa;
            if ((leaf.KeyUsage >= 0 && (leaf.KeyUsage & X509Certificate.KeyUsageDigitalSignature) == 0) || (leaf.HasExtendedKeyUsage && !leaf.AllowsClientAuth))
                return CertificateRejection.WrongKeyUsage;
            if (leaf.SubjectCommonName == null || leaf.SubjectCommonName != deviceId)
                return CertificateRejection.CommonNameMismatch;

            // Key check on the key itself, not the SPKI encoding: the device's key store and the CA's
            // library may encode the same P-256 key with different (equivalent) DER.
            try
            {
                expectedKey = X509Certificate.ParseSubjectPublicKeyInfo(expectedPublicKeyInfo);
            }
            catch (DerFormatException)
            {
                return CertificateRejection.KeyMismatch;
            }
            if (!expectedKey.IsEcP256Key || !X509Certificate.SameBytes(expectedKey.PublicKey, leaf.PublicKey))
                return CertificateRejection.KeyMismatch;

            if (now < leaf.NotBefore || now < issuing.NotBefore)
                return CertificateRejection.NotYetValid;
            if (now > leaf.NotAfter || now > issuing.NotAfter)
                return CertificateRejection.Expired;

            Leaf = leaf;
            Issuing = issuing;
            return CertificateRejection.None;
        }

        /// <summary>The status/log word of a rejection.</summary>
        public static string Word(CertificateRejection rejection)
        {
            switch (rejection)
            {
                case CertificateRejection.None: return "none";
                case CertificateRejection.Malformed: return "malformed-cert";
                case CertificateRejection.UnsupportedAlgorithm: return "unsupported-algorithm";
                case CertificateRejection.UntrustedIssuer: return "untrusted-issuer";
                case CertificateRejection.BadSignature: return "bad-signature";
                case CertificateRejection.IssuerNotCa: return "issuer-not-ca";
                case CertificateRejection.LeafIsCa: return "leaf-is-ca";
                case CertificateRejection.CommonNameMismatch: return "cn-mismatch";
                case CertificateRejection.KeyMismatch: return "key-mismatch";
                case CertificateRejection.Expired: return "expired";
                case CertificateRejection.NotYetValid: return "not-yet-valid";
                case CertificateRejection.UnsupportedCriticalExtension: return "unsupported-extension";
                case CertificateRejection.WrongKeyUsage: return "wrong-key-usage";
                default: return "rejected";
            }
        }
    }
}
