namespace IotDevice.Core.Updates
{
    /// <summary>
    /// Why a release manifest (or its signature) was rejected. Each value has a machine word
    /// (<see cref="ManifestRejectionWords"/>) that the device reports as its OTA outcome in the retained status.
    /// Unknown boards and slot limits are the caller's business: the codec exposes board and sizes.
    /// </summary>
    public enum ManifestRejection
    {
        None = 0,

        /// <summary>More bytes than <see cref="ReleaseManifest.MaxBytes"/> (checked before anything is decoded).</summary>
        TooLarge = 1,

        /// <summary>The first line is not <see cref="ReleaseManifest.Header"/> (another record or version).</summary>
        BadHeader = 2,

        /// <summary>A byte outside printable ASCII, a '\r', an empty line, a line without '=' or without its '\n' (truncated).</summary>
        BadLine = 3,

        /// <summary>A required field is absent (including a part with neither url nor reuse).</summary>
        MissingField = 4,

        /// <summary>A field appears twice.</summary>
        DuplicateField = 5,

        /// <summary>Fields out of their fixed order.</summary>
        OutOfOrderField = 6,

        /// <summary>A field the format does not define.</summary>
        UnknownField = 7,

        /// <summary>version is not a canonical major.minor.patch (FirmwareVersion, no 'v', no leading zeros).</summary>
        BadVersion = 8,

        /// <summary>A size or secure-version that is not canonical decimal digits in range (no sign, no leading zero, size &gt; 0, fits in an int).</summary>
        BadNumber = 9,

        /// <summary>secure-version above what the ESP32's 32-bit anti-rollback eFuse field can count (32).</summary>
        SecureVersionTooHigh = 10,

        /// <summary>board is not 1..32 characters of a-z 0-9 '-'.</summary>
        BadBoard = 11,

        /// <summary>A sha256 that is not exactly 64 lower-case hex digits.</summary>
        BadHash = 12,

        /// <summary>A url that is not an absolute https URL with a host and a path (no userinfo, no fragment, no spaces).</summary>
        BadUrl = 13,

        /// <summary>A part with both url and reuse, a reuse value other than "1", or both parts reused (nothing to install).</summary>
        BadPart = 14,

        /// <summary>The signature is missing, not strict DER, or does not verify under the release key.</summary>
        BadSignature = 15
    }
}
