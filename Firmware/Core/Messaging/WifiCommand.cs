namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// The Wi-Fi change command on <c>devices/&lt;id&gt;/commands</c>: <c>iotdevice-command-v1</c> / <c>kind=wifi</c> /
    /// <c>ssid=&lt;ssid&gt;</c> / <c>pass=&lt;passphrase, empty for an open network&gt;</c> (printable ASCII, as every
    /// text record). The device tries the network and keeps it only when the primary broker is reached over it.
    /// Threat: only the fleet's operator identity may publish commands (the broker rules), over mutual TLS; the
    /// passphrase is in the broker's queue until delivered. A hostile network named by a forged command could only
    /// keep the device offline for the trial window: the pinned TLS roots still decide whom the device talks to.
    /// </summary>
    public static class WifiCommand
    {
        public const string KindWifi = "wifi";

        public static readonly TextRecordSchema Schema = new TextRecordSchema(OtaCommandHeader, new string[] { "kind", "ssid", "pass" }, 3, 512);

        private const string OtaCommandHeader = "iotdevice-command-v1";

        /// <summary>True for a well-formed Wi-Fi command, with its SSID (1..32 characters) and passphrase (empty, or 8..63).</summary>
        public static bool TryParse(byte[] payload, out string ssid, out string passphrase)
        {
            ssid = null;
            passphrase = null;
            TextRecord r;
            try
            {
                r = TextRecord.Parse(Schema, payload);
            }
            catch (TextRecordException)
            {
                return false;
            }
            if (r.Get("kind") != KindWifi)
                return false;
            string s = r.Get("ssid");
            string p = r.Get("pass");
            if (s == null || s.Length == 0 || s.Length > 32 || p == null || (p.Length != 0 && (p.Length < 8 || p.Length > 63)))
                return false;
            ssid = s;
            passphrase = p;
            return true;
        }

        public static byte[] Build(string ssid, string passphrase)
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("kind", KindWifi);
            r.Set("ssid", ssid);
            r.Set("pass", passphrase);
            return r.ToBytes();
        }
    }
}
