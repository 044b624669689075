using System;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The <c>ota_prog</c> record: enough to resume an update after a reboot, and to tell after the reboot into
    /// a new pair whether it came up. A single small string (one NVS page), rewritten whole at each
    /// checkpoint:
    /// <code>
    /// iotdevice-ota-progress-v1
    /// stage=download|boot
    /// manifest=&lt;SHA-256 hex of the signed manifest bytes&gt;
    /// url=&lt;manifest url&gt;
    /// slot=&lt;the pair being written&gt;
    /// part=app|deploy
    /// offset=&lt;bytes of that part in flash: a multiple of 4096, or the part's size when complete&gt;
    /// etag=&lt;ETag of that part's download&gt;          (optional)
    /// </code>
    /// Threat: NVS is encrypted but this record is not trusted either way: after a reboot the manifest is
    /// fetched and its signature checked again, and it must hash to <c>manifest=</c>; the written prefix is
    /// re-hashed from flash. A corrupt record only costs a restart from scratch.
    /// </summary>
    public sealed class OtaProgress
    {
        public const string Header = "iotdevice-ota-progress-v1";
        public const string StageDownload = "download";
        public const string StageBoot = "boot";

        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header,
            new string[] { "stage", "manifest", "url", "slot", "part", "offset", "etag" }, 6, 1024);

        public string Stage { get; set; }

        public string ManifestSha256 { get; set; }

        public string Url { get; set; }

        public int Slot { get; set; }

        public string Part { get; set; }

        public int Offset { get; set; }

        /// <summary>Null when the server sent none.</summary>
        public string ETag { get; set; }

        public byte[] ToBytes()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("stage", Stage);
            r.Set("manifest", ManifestSha256);
            r.Set("url", Url);
            r.Set("slot", Slot.ToString());
            r.Set("part", Part);
            r.Set("offset", Offset.ToString());
            if (ETag != null && ETag.Length > 0)
                r.Set("etag", ETag);
            return r.ToBytes();
        }

        public string ToText()
        {
            byte[] bytes = ToBytes();
            char[] chars = new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
                chars[i] = (char)bytes[i];
            return new string(chars);
        }

        /// <summary>Parses the stored text; null for anything that is not a well-formed record (it is then discarded).</summary>
        public static OtaProgress TryParse(string text)
        {
            if (text == null || text.Length == 0 || text.Length > Schema.MaxBytes)
                return null;
            byte[] bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c > 0x7E)
                    return null;
                bytes[i] = (byte)c;
            }
            TextRecord r;
            try
            {
                r = TextRecord.Parse(Schema, bytes);
            }
            catch (TextRecordException)
            {
                return null;
            }
            OtaProgress p = new OtaProgress();
            p.Stage = r.Get("stage");
            p.ManifestSha256 = r.Get("manifest");
            p.Url = r.Get("url");
            p.Part = r.Get("part");
            p.ETag = r.Get("etag");
            p.Slot = Number(r.Get("slot"));
            p.Offset = Number(r.Get("offset"));
            if (p.Stage != StageDownload && p.Stage != StageBoot)
                return null;
            if (p.Part != ReleasePart.AppName && p.Part != ReleasePart.DeployName)
                return null;
            if (!Hex.IsLowerHex(p.ManifestSha256, 64) || p.Slot < 0 || p.Slot > 15 || p.Offset < 0)
                return null;
            return p;
        }

        /// <summary>Canonical decimal 0..999999999, else -1.</summary>
        private static int Number(string text)
        {
            if (text == null || text.Length == 0 || text.Length > 9 || (text.Length > 1 && text[0] == '0'))
                return -1;
            int value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                    return -1;
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }
}
