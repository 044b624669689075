using System;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// One part of a release: "app" (the nanoCLR image, written to the ota_N slot) or "deploy" (the managed
    /// code, written to the deploy_N slot paired with it). Either downloaded from <see cref="Url"/> or
    /// <see cref="Reuse"/>d: copied from the running slot pair's partition and checked against the same
    /// size and SHA-256 (so reusing never trusts the running slot's content blindly).
    /// Slot limits are not checked here: the OTA machine compares <see cref="Size"/> with the partition.
    /// </summary>
    public sealed class ReleasePart
    {
        public const string AppName = "app";
        public const string DeployName = "deploy";

        private ReleasePart(string name, int size, string sha256Hex, string url, bool reuse)
        {
            if (name != AppName && name != DeployName)
                throw new ArgumentException("part name must be 'app' or 'deploy'");
            Name = name;
            Size = size;
            Sha256Hex = sha256Hex;
            Url = url;
            Reuse = reuse;
        }

        /// <summary>A part the device downloads from <paramref name="url"/> (https only; checked when the manifest is written).</summary>
        public static ReleasePart Download(string name, int size, string sha256Hex, string url)
        {
            if (url == null)
                throw new ArgumentNullException("url");
            return new ReleasePart(name, size, sha256Hex, url, false);
        }

        /// <summary>A part the device copies from its running slot pair (the bytes must hash to <paramref name="sha256Hex"/>).</summary>
        public static ReleasePart FromRunningSlot(string name, int size, string sha256Hex)
        {
            return new ReleasePart(name, size, sha256Hex, null, true);
        }

        /// <summary>"app" or "deploy".</summary>
        public string Name { get; private set; }

        /// <summary>"ota" for the app, "deploy" for the managed code: the partition family it goes to.</summary>
        public string SlotKind
        {
            get { return Name == AppName ? "ota" : "deploy"; }
        }

        /// <summary>The partition of slot pair <paramref name="pair"/> this part goes to: ota_N or deploy_N.</summary>
        public string PartitionName(int pair)
        {
            if (pair < 0 || pair > 15)
                throw new ArgumentOutOfRangeException("pair");
            return SlotKind + "_" + pair.ToString();
        }

        /// <summary>Exact byte count of the part.</summary>
        public int Size { get; private set; }

        /// <summary>SHA-256 of the part's bytes, 64 lower-case hex digits.</summary>
        public string Sha256Hex { get; private set; }

        /// <summary>The https URL to download from, or null when <see cref="Reuse"/>.</summary>
        public string Url { get; private set; }

        /// <summary>True: copy the running slot's part instead of downloading.</summary>
        public bool Reuse { get; private set; }

        /// <summary>The 32-byte digest <see cref="Sha256Hex"/> spells.</summary>
        public byte[] GetSha256()
        {
            byte[] digest = new byte[32];
            for (int i = 0; i < 32; i++)
                digest[i] = (byte)((Nibble(Sha256Hex[2 * i]) << 4) | Nibble(Sha256Hex[2 * i + 1]));
            return digest;
        }

        /// <summary>
        /// True when <paramref name="digest"/> is this part's SHA-256. Compares every byte (no early exit):
        /// the digest is public, but a constant-time compare costs nothing and leaks nothing either way.
        /// </summary>
        public bool HashMatches(byte[] digest)
        {
            if (digest == null || digest.Length != 32)
                return false;
            byte[] expected = GetSha256();
            int diff = 0;
            for (int i = 0; i < 32; i++)
                diff |= expected[i] ^ digest[i];
            return diff == 0;
        }

        private static int Nibble(char c)
        {
            if (c >= '0' && c <= '9')
                return c - '0';
            if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
            throw new ReleaseManifestException(ManifestRejection.BadHash, "'" + c.ToString() + "' is not a lower-case hex digit");
        }

        internal static bool IsSha256Hex(string text)
        {
            return Hex.IsLowerHex(text, 64);
        }
    }
}
