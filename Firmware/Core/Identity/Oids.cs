namespace IotDevice.Core.Identity
{
    /// <summary>The object identifiers the certificate parser recognises.</summary>
    public static class Oids
    {
        public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
        public const string EcPublicKey = "1.2.840.10045.2.1";
        public const string Prime256v1 = "1.2.840.10045.3.1.7";
        public const string CommonName = "2.5.4.3";
        public const string BasicConstraints = "2.5.29.19";
        public const string KeyUsage = "2.5.29.15";
        public const string ExtendedKeyUsage = "2.5.29.37";
        public const string SubjectKeyIdentifier = "2.5.29.14";
        public const string AuthorityKeyIdentifier = "2.5.29.35";
        public const string SubjectAltName = "2.5.29.17";
        public const string CrlDistributionPoints = "2.5.29.31";
        public const string CertificatePolicies = "2.5.29.32";
        public const string AuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";
        public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    }
}
