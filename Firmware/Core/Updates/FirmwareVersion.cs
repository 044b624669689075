using System;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// A firmware version "major.minor.patch" as written into esp_app_desc_t.version. The OTA policy
    /// refuses an image whose version is not greater than the running one (anti-downgrade): an attacker
    /// who can replay an old, correctly signed bundle must not bring back a fixed vulnerability.
    /// </summary>
    public sealed class FirmwareVersion
    {
        public FirmwareVersion(int major, int minor, int patch)
        {
            if (major < 0 || minor < 0 || patch < 0)
                throw new ArgumentOutOfRangeException("major", "version parts must not be negative");
            Major = major;
            Minor = minor;
            Patch = patch;
        }

        public int Major { get; private set; }

        public int Minor { get; private set; }

        public int Patch { get; private set; }

        /// <summary>
        /// Parses "1.2.3" (an optional leading 'v' is accepted). Anything else — missing parts, extra
        /// parts, signs, spaces, numbers above 65535 — is rejected, so two different strings never
        /// compare equal by accident.
        /// </summary>
        public static FirmwareVersion Parse(string text)
        {
            if (text == null || text.Length == 0)
                throw new ArgumentException("firmware version is empty");
            string s = text[0] == 'v' ? text.Substring(1) : text;
            string[] parts = s.Split('.');
            if (parts.Length != 3)
                throw new ArgumentException("firmware version '" + text + "' is not major.minor.patch");
            return new FirmwareVersion(ParsePart(parts[0], text), ParsePart(parts[1], text), ParsePart(parts[2], text));
        }

        private static int ParsePart(string part, string whole)
        {
            if (part.Length == 0 || part.Length > 5)
                throw new ArgumentException("firmware version '" + whole + "' has an empty or too long part");
            int value = 0;
            for (int i = 0; i < part.Length; i++)
            {
                char c = part[i];
                if (c < '0' || c > '9')
                    throw new ArgumentException("firmware version '" + whole + "' has a non-digit '" + c.ToString() + "'");
                value = value * 10 + (c - '0');
            }
            if (value > 65535)
                throw new ArgumentException("firmware version '" + whole + "' has a part above 65535");
            return value;
        }

        /// <summary>Negative when this is older than <paramref name="other"/>, 0 when equal, positive when newer.</summary>
        public int CompareTo(FirmwareVersion other)
        {
            if (other == null)
                throw new ArgumentNullException("other");
            if (Major != other.Major)
                return Major < other.Major ? -1 : 1;
            if (Minor != other.Minor)
                return Minor < other.Minor ? -1 : 1;
            if (Patch != other.Patch)
                return Patch < other.Patch ? -1 : 1;
            return 0;
        }

        /// <summary>True when <paramref name="candidate"/> may replace this (running) version: strictly newer.</summary>
        public bool AllowsUpdateTo(FirmwareVersion candidate)
        {
            return candidate.CompareTo(this) > 0;
        }

        public override string ToString()
        {
            return Major.ToString() + "." + Minor.ToString() + "." + Patch.ToString();
        }
    }
}
