namespace IotDevice.Core.Updates
{
    /// <summary>The machine word of each <see cref="ManifestRejection"/> (status <c>ota=</c>, logs, tooling errors).</summary>
    public static class ManifestRejectionWords
    {
        public static string Of(ManifestRejection rejection)
        {
            switch (rejection)
            {
                case ManifestRejection.None: return "none";
                case ManifestRejection.TooLarge: return "too-large";
                case ManifestRejection.BadHeader: return "bad-header";
                case ManifestRejection.BadLine: return "bad-line";
                case ManifestRejection.MissingField: return "missing-field";
                case ManifestRejection.DuplicateField: return "duplicate-field";
                case ManifestRejection.OutOfOrderField: return "out-of-order-field";
                case ManifestRejection.UnknownField: return "unknown-field";
                case ManifestRejection.BadVersion: return "bad-version";
                case ManifestRejection.BadNumber: return "bad-number";
                case ManifestRejection.SecureVersionTooHigh: return "secure-version-too-high";
                case ManifestRejection.BadBoard: return "bad-board";
                case ManifestRejection.BadHash: return "bad-hash";
                case ManifestRejection.BadUrl: return "bad-url";
                case ManifestRejection.BadPart: return "bad-part";
                case ManifestRejection.BadSignature: return "bad-signature";
                default: return "unknown";
            }
        }
    }
}
