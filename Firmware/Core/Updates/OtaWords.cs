namespace IotDevice.Core.Updates
{
    /// <summary>The OTA words of the retained status (<c>ota=</c>), contracts.md.</summary>
    public static class OtaWords
    {
        public const string None = "none";
        public const string Accepted = "accepted";
        public const string Downloading = "downloading";
        public const string Downloaded = "downloaded";
        public const string Verifying = "verifying";
        public const string Rebooting = "rebooting";
        public const string Confirmed = "confirmed";
        public const string RolledBack = "rolled-back";
        public const string RejectedPrefix = "rejected:";

        // Reasons of rejected:<reason> that the updater itself decides (manifest codec reasons come from ManifestRejectionWords).
        public const string BadUrl = "bad-url";
        public const string Busy = "busy";
        public const string NoReleaseKey = "no-release-key";
        public const string BadReleaseKey = "bad-release-key";
        public const string BadSignature = "bad-signature";
        public const string ManifestTooLarge = "manifest-too-large";
        public const string WrongBoard = "wrong-board";
        public const string NotNewer = "not-newer";
        public const string SecureVersion = "secure-version";
        public const string AppTooLarge = "app-too-large";
        public const string DeployTooLarge = "deploy-too-large";
        public const string AppSizeMismatch = "app-size-mismatch";
        public const string DeploySizeMismatch = "deploy-size-mismatch";
        public const string AppTruncated = "app-truncated";
        public const string DeployTruncated = "deploy-truncated";
        public const string AppHashMismatch = "app-hash-mismatch";
        public const string DeployHashMismatch = "deploy-hash-mismatch";
        public const string AppNotAnImage = "app-not-an-image";
        public const string AppSecureVersionMismatch = "app-secure-version-mismatch";
        public const string AppImageInvalid = "app-image-invalid";
        public const string BootRefused = "boot-refused";
        public const string DownloadFailed = "download-failed";

        public static string Rejected(string reason)
        {
            return RejectedPrefix + reason;
        }
    }
}
