using IotDevice.Core.Messaging;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The OTA trigger on <c>devices/&lt;id&gt;/commands</c> (contracts.md):
    /// <c>iotdevice-command-v1</c> / <c>kind=ota</c> / <c>manifest=&lt;https url&gt;</c>.
    /// Threat: whoever can publish to the command topic can only point the device at a URL; what gets
    /// installed is decided by the release signature, the version and board checks of <see cref="OtaUpdater"/>.
    /// </summary>
    public static class OtaCommand
    {
        public const string Header = "iotdevice-command-v1";
        public const string KindOta = "ota";

        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header, new string[] { "kind", "manifest" }, 1, 1024);

        /// <summary>The manifest URL of an OTA command, or null when the payload is not one (another kind, malformed).</summary>
        public static string TryGetManifestUrl(byte[] payload)
        {
            TextRecord r;
            try
            {
                r = TextRecord.Parse(Schema, payload);
            }
            catch (TextRecordException)
            {
                return null;
            }
            if (r.Get("kind") != KindOta)
                return null;
            return r.Get("manifest");
        }

        public static byte[] Build(string manifestUrl)
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("kind", KindOta);
            r.Set("manifest", manifestUrl);
            return r.ToBytes();
        }
    }
}
