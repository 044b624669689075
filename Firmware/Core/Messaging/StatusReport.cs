using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// The retained status payload of README "Device protocols" (<c>devices/&lt;id&gt;/status</c>), also the last will
    /// with state=offline. Built from what the device really runs (version and slot of the running image,
    /// serial and expiry of the committed identity), because the registry commits a renewal when this shows
    /// the new serial: a status that claimed a serial the device does not use would revoke the one it does.
    /// </summary>
    public sealed class StatusReport
    {
        public const string Header = "iotdevice-status-v1";

        /// <summary>The record layout; every field is required.</summary>
        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header,
            new string[] { "state", "version", "slot", "serial", "not-after", "renewal", "ota", "dropped", "takeovers" }, 9, 1024);

        public StatusReport()
        {
            State = "offline";
            Version = "0.0.0";
            Serial = "";
            NotAfter = "";
            Renewal = "none";
            Ota = "none";
        }

        /// <summary>"online" or "offline".</summary>
        public string State { get; set; }

        public string Version { get; set; }

        public int Slot { get; set; }

        public string Serial { get; set; }

        /// <summary>Certificate expiry in the protocols' time format (empty when unknown).</summary>
        public string NotAfter { get; set; }

        public string Renewal { get; set; }

        public string Ota { get; set; }

        public int Dropped { get; set; }

        public int Takeovers { get; set; }

        public byte[] ToBytes()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("state", State);
            r.Set("version", Version);
            r.Set("slot", Slot.ToString());
            r.Set("serial", Serial);
            r.Set("not-after", NotAfter);
            r.Set("renewal", Renewal);
            r.Set("ota", Ota);
            r.Set("dropped", Dropped.ToString());
            r.Set("takeovers", Takeovers.ToString());
            return r.ToBytes();
        }

        /// <summary>Parses a status payload (tooling, tests); throws <see cref="TextRecordException"/>.</summary>
        public static StatusReport Parse(byte[] payload)
        {
            TextRecord r = TextRecord.Parse(Schema, payload);
            StatusReport s = new StatusReport();
            s.State = r.Get("state");
            if (s.State != "online" && s.State != "offline")
                throw new TextRecordException(TextRecordError.InvalidValue, "status state '" + s.State + "' is neither online nor offline");
            s.Version = r.Get("version");
            s.Slot = Number(r, "slot");
            s.Serial = r.Get("serial");
            s.NotAfter = r.Get("not-after");
            s.Renewal = r.Get("renewal");
            s.Ota = r.Get("ota");
            s.Dropped = Number(r, "dropped");
            s.Takeovers = Number(r, "takeovers");
            return s;
        }

        private static int Number(TextRecord r, string name)
        {
            string text = r.Get(name);
            if (text.Length == 0 || text.Length > 9)
                throw new TextRecordException(TextRecordError.InvalidValue, "status field '" + name + "' is not a number");
            int value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                    throw new TextRecordException(TextRecordError.InvalidValue, "status field '" + name + "' is not a number");
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }
}
