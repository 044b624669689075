namespace IotDevice.Core.Identity
{
    /// <summary>Why <see cref="CertificateCheck"/> refused a certificate (None = accepted). Reported as a word in the status.</summary>
    public enum CertificateRejection
    {
        None = 0,

        /// <summary>Not parseable DER / X.509.</summary>
        Malformed = 1,

        /// <summary>Not ECDSA P-256 with SHA-256 (signature or key).</summary>
        UnsupportedAlgorithm = 2,

        /// <summary>The issuing certificate does not chain to a pinned root, or the leaf was not issued by it (another CA).</summary>
        UntrustedIssuer = 3,

        /// <summary>The leaf's signature does not verify under the issuing CA (tampered certificate).</summary>
        BadSignature = 4,

        /// <summary>The issuing certificate is not a CA (basicConstraints cA / keyCertSign).</summary>
        IssuerNotCa = 5,

        /// <summary>The leaf claims to be a CA.</summary>
        LeafIsCa = 6,

        /// <summary>Leaf CN is not this device's id.</summary>
        CommonNameMismatch = 7,

        /// <summary>Leaf public key is not the key the device generated for this renewal.</summary>
        KeyMismatch = 8,

        /// <summary>Leaf or issuing certificate expired at the trusted clock.</summary>
        Expired = 9,

        /// <summary>Leaf or issuing certificate not yet valid at the trusted clock.</summary>
        NotYetValid = 10,

        /// <summary>A critical extension the device does not understand.</summary>
        UnsupportedCriticalExtension = 11,

        /// <summary>keyUsage without digitalSignature or extendedKeyUsage without clientAuth.</summary>
        WrongKeyUsage = 12
    }
}
