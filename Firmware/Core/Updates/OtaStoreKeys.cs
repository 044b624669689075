namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The OTA keys of contracts.md ("OTA addendum") in namespace <c>iotdev</c>. All are single-page strings,
    /// rewritten whole (never a multi-page blob: see README, the ESP-IDF multi-page blob bug).
    /// </summary>
    public static class OtaStoreKeys
    {
        /// <summary>Release signing public key, SubjectPublicKeyInfo PEM (provisioned).</summary>
        public const string ReleasePublicKey = "rel_pubkey";

        /// <summary>Prefix of rel_0 / rel_1: the release version written into slot pair N.</summary>
        public const string ReleasePrefix = "rel_";

        /// <summary>The small progress record (<see cref="OtaProgress"/>).</summary>
        public const string Progress = "ota_prog";

        /// <summary>Last OTA outcome word.</summary>
        public const string LastOutcome = "ota_last";

        /// <summary>PEM label of <see cref="ReleasePublicKey"/>.</summary>
        public const string PublicKeyLabel = "PUBLIC KEY";

        public static string ReleaseOf(int pair)
        {
            return ReleasePrefix + pair.ToString();
        }
    }
}
