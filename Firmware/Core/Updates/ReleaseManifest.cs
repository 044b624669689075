using System;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The signed release manifest of contracts.md ("OTA addendum"): a text record
    /// <code>
    /// iotdevice-release-v1
    /// version=1.4.0
    /// secure-version=2
    /// board=lolin32
    /// app-size=1503232
    /// app-sha256=&lt;64 lower-case hex&gt;
    /// app-url=https://localhost:18443/releases/1.4.0/app.bin      (or app-reuse=1)
    /// deploy-size=380928
    /// deploy-sha256=&lt;64 lower-case hex&gt;
    /// deploy-url=https://localhost:18443/releases/1.4.0/deploy.bin   (or deploy-reuse=1)
    /// </code>
    /// in exactly this field order, '\n' line endings, nothing else. The signature (<see cref="ReleaseSignature"/>)
    /// covers these exact bytes, so the writer is canonical and the parser strict: every deviation is a
    /// <see cref="ReleaseManifestException"/> with a named <see cref="ManifestRejection"/>, never another exception.
    /// Threat: the manifest is the one thing that decides which bytes the device installs. It is authenticated
    /// by the release key alone (not by TLS, the broker or the command that pointed at it); a strict parser
    /// means no two readers (device, tooling, a reviewer) can see different releases in the same signed bytes.
    /// </summary>
    public sealed class ReleaseManifest
    {
        public const string Header = "iotdevice-release-v1";

        /// <summary>Largest manifest accepted (two URLs of <see cref="HttpsUrl.MaxLength"/> fit with room to spare).</summary>
        public const int MaxBytes = 2048;

        /// <summary>
        /// Highest secure_version the ESP32 can enforce: its anti-rollback eFuse field (BLK3 bits 128..159) is a
        /// 32-bit thermometer counted by popcount, so it holds 0..32.
        /// </summary>
        public const int MaxSecureVersion = 32;

        /// <summary>The record layout; fields 0..2 are required by the record, the rest are checked per part.</summary>
        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header,
            new string[]
            {
                "version", "secure-version", "board",
                "app-size", "app-sha256", "app-url", "app-reuse",
                "deploy-size", "deploy-sha256", "deploy-url", "deploy-reuse"
            }, 3, MaxBytes);

        public ReleaseManifest(string version, int secureVersion, string board, ReleasePart app, ReleasePart deploy)
        {
            if (app == null)
                throw new ArgumentNullException("app");
            if (deploy == null)
                throw new ArgumentNullException("deploy");
            if (app.Name != ReleasePart.AppName)
                throw new ArgumentException("the app part must be named 'app'");
            if (deploy.Name != ReleasePart.DeployName)
                throw new ArgumentException("the deploy part must be named 'deploy'");
            Version = version;
            SecureVersion = secureVersion;
            Board = board;
            App = app;
            Deploy = deploy;
        }

        /// <summary>Release version, canonical "major.minor.patch" (also recorded in NVS rel_0/rel_1).</summary>
        public string Version { get; private set; }

        /// <summary>The app image's esp_app_desc_t.secure_version (0..32): what the anti-rollback eFuse will be raised to.</summary>
        public int SecureVersion { get; private set; }

        /// <summary>Board name, e.g. "lolin32"; the caller refuses boards other than its own.</summary>
        public string Board { get; private set; }

        public ReleasePart App { get; private set; }

        public ReleasePart Deploy { get; private set; }

        /// <summary><see cref="Version"/> parsed (it is known to parse).</summary>
        public FirmwareVersion GetFirmwareVersion()
        {
            return FirmwareVersion.Parse(Version);
        }

        /// <summary>
        /// The canonical bytes. Throws <see cref="ReleaseManifestException"/> for anything the parser would
        /// reject (the bytes are parsed back before they are returned), so the tooling cannot sign a manifest
        /// the device would refuse.
        /// </summary>
        public byte[] ToBytes()
        {
            CheckText("version", Version);
            CheckText("board", Board);
            CheckText("app-sha256", App.Sha256Hex);
            CheckText("deploy-sha256", Deploy.Sha256Hex);
            CheckText("app-url", App.Url);
            CheckText("deploy-url", Deploy.Url);
            TextRecord r = new TextRecord(Schema);
            r.Set("version", Version);
            r.Set("secure-version", SecureVersion.ToString());
            r.Set("board", Board);
            SetPart(r, App);
            SetPart(r, Deploy);
            byte[] bytes;
            try
            {
                bytes = r.ToBytes();
            }
            catch (InvalidOperationException ex)
            {
                throw new ReleaseManifestException(ManifestRejection.TooLarge, ex.Message);
            }
            Parse(bytes);
            return bytes;
        }

        private static void CheckText(string name, string value)
        {
            if (value == null)
                return;
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] < ' ' || value[i] > '~')
                    throw new ReleaseManifestException(ManifestRejection.BadLine, "field '" + name + "' has a character outside printable ASCII");
            }
        }

        private static void SetPart(TextRecord r, ReleasePart part)
        {
            string p = part.Name;
            r.Set(p + "-size", part.Size.ToString());
            r.Set(p + "-sha256", part.Sha256Hex);
            if (part.Reuse)
                r.Set(p + "-reuse", "1");
            else
                r.Set(p + "-url", part.Url);
        }

        /// <summary>Parses <paramref name="payload"/>; throws only <see cref="ReleaseManifestException"/>.</summary>
        public static ReleaseManifest Parse(byte[] payload)
        {
            TextRecord r;
            try
            {
                r = TextRecord.Parse(Schema, payload);
            }
            catch (TextRecordException ex)
            {
                throw new ReleaseManifestException(FromRecordError(ex.Error), "manifest: " + ex.Message);
            }

            string versionText = r.Get("version");
            FirmwareVersion version;
            try
            {
                version = FirmwareVersion.Parse(versionText);
            }
            catch (ArgumentException ex)
            {
                throw new ReleaseManifestException(ManifestRejection.BadVersion, "manifest: " + ex.Message);
            }
            // One spelling per version: "v1.2.3" and "01.2.3" parse to 1.2.3 but are refused here.
            if (version.ToString() != versionText)
                throw new ReleaseManifestException(ManifestRejection.BadVersion, "manifest: version '" + versionText + "' is not canonical (write '" + version.ToString() + "')");

            int secureVersion = ParseNumber(r, "secure-version", 0);
            if (secureVersion > MaxSecureVersion)
                throw new ReleaseManifestException(ManifestRejection.SecureVersionTooHigh, "manifest: secure-version " + secureVersion.ToString() + " is above " + MaxSecureVersion.ToString() + ", the most the ESP32 anti-rollback eFuse can hold");

            string board = r.Get("board");
            if (!TextRecord.IsValidName(board))
                throw new ReleaseManifestException(ManifestRejection.BadBoard, "manifest: board '" + board + "' is not 1..32 characters of a-z 0-9 '-'");

            ReleasePart app = ParsePart(r, ReleasePart.AppName);
            ReleasePart deploy = ParsePart(r, ReleasePart.DeployName);
            // Threat: a signed "release" that reuses both parts changes nothing but the recorded version:
            // it would let a replayed or mistaken manifest relabel the running firmware.
            if (app.Reuse && deploy.Reuse)
                throw new ReleaseManifestException(ManifestRejection.BadPart, "manifest: both parts are reused: nothing to install");
            return new ReleaseManifest(versionText, secureVersion, board, app, deploy);
        }

        private static ReleasePart ParsePart(TextRecord r, string name)
        {
            string sizeName = name + "-size";
            string shaName = name + "-sha256";
            if (r.Get(sizeName) == null)
                throw new ReleaseManifestException(ManifestRejection.MissingField, "manifest: field '" + sizeName + "' is missing");
            int size = ParseNumber(r, sizeName, 1);
            string sha = r.Get(shaName);
            if (sha == null)
                throw new ReleaseManifestException(ManifestRejection.MissingField, "manifest: field '" + shaName + "' is missing");
            if (!ReleasePart.IsSha256Hex(sha))
                throw new ReleaseManifestException(ManifestRejection.BadHash, "manifest: " + shaName + " is not 64 lower-case hex digits");
            string url = r.Get(name + "-url");
            string reuse = r.Get(name + "-reuse");
            if (url != null && reuse != null)
                throw new ReleaseManifestException(ManifestRejection.BadPart, "manifest: part '" + name + "' has both a url and reuse");
            if (url == null && reuse == null)
                throw new ReleaseManifestException(ManifestRejection.MissingField, "manifest: part '" + name + "' has neither " + name + "-url nor " + name + "-reuse");
            if (reuse != null)
            {
                if (reuse != "1")
                    throw new ReleaseManifestException(ManifestRejection.BadPart, "manifest: " + name + "-reuse must be 1");
                return ReleasePart.FromRunningSlot(name, size, sha);
            }
            string problem = HttpsUrl.Problem(url);
            if (problem != null)
                throw new ReleaseManifestException(ManifestRejection.BadUrl, "manifest: " + name + "-url " + problem);
            return ReleasePart.Download(name, size, sha, url);
        }

        /// <summary>
        /// Canonical decimal (no sign, no leading zero) from <paramref name="min"/> to int.MaxValue, by hand:
        /// nanoFramework's int.Parse throws other exceptions than .NET's and the range must be exact.
        /// </summary>
        private static int ParseNumber(TextRecord r, string name, int min)
        {
            string text = r.Get(name);
            if (text.Length == 0 || text.Length > 10 || (text.Length > 1 && text[0] == '0'))
                throw new ReleaseManifestException(ManifestRejection.BadNumber, "manifest: " + name + " '" + text + "' is not a canonical decimal number");
            long value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                    throw new ReleaseManifestException(ManifestRejection.BadNumber, "manifest: " + name + " '" + text + "' is not a decimal number");
                value = value * 10 + (c - '0');
            }
            if (value > int.MaxValue || value < min)
                throw new ReleaseManifestException(ManifestRejection.BadNumber, "manifest: " + name + " " + text + " is out of range");
            return (int)value;
        }

        private static ManifestRejection FromRecordError(TextRecordError error)
        {
            switch (error)
            {
                case TextRecordError.Oversize: return ManifestRejection.TooLarge;
                case TextRecordError.UnknownHeader: return ManifestRejection.BadHeader;
                case TextRecordError.MissingField: return ManifestRejection.MissingField;
                case TextRecordError.DuplicateField: return ManifestRejection.DuplicateField;
                case TextRecordError.OutOfOrderField: return ManifestRejection.OutOfOrderField;
                case TextRecordError.UnknownField: return ManifestRejection.UnknownField;
                default: return ManifestRejection.BadLine;
            }
        }
    }
}
