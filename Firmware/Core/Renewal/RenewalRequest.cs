using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Renewal
{
    /// <summary>
    /// The renewal request payload (device → <c>devices/&lt;id&gt;/renew/request</c>), written by the device
    /// and parsed by the .NET renewal service: public and free of device dependencies. Parsing validates
    /// every value (kind, id, hex, time, base64) so the service never acts on a half-understood request.
    /// </summary>
    public sealed class RenewalRequest
    {
        public const string Header = "iotdevice-renewal-request-v1";
        public const string KindStanding = "standing";
        public const string KindRenew = "renew";

        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header,
            new string[] { "kind", "device", "serial", "request", "time", "csr", "pop" }, 7, 4096);

        /// <summary>"standing" or "renew".</summary>
        public string Kind { get; set; }

        public string DeviceId { get; set; }

        /// <summary>Current certificate serial, lower-case hex of the DER INTEGER bytes.</summary>
        public string Serial { get; set; }

        /// <summary>32 lower-case hex characters (16 random bytes).</summary>
        public string RequestId { get; set; }

        /// <summary>UTC yyyy-MM-ddTHH:mm:ssZ.</summary>
        public string Time { get; set; }

        /// <summary>PKCS#10 DER (renew only; null for standing).</summary>
        public byte[] Csr { get; set; }

        /// <summary>DER ECDSA signature over <see cref="PopMessage"/> by the current key.</summary>
        public byte[] Pop { get; set; }

        /// <summary>The bytes <see cref="Pop"/> signs, given the CSR's SHA-256 in hex ("" for standing).</summary>
        public byte[] PopMessage(string csrSha256Hex)
        {
            return ProofOfPossession.Message(Kind, DeviceId, Serial, csrSha256Hex, RequestId, Time);
        }

        public byte[] ToBytes()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("kind", Kind);
            r.Set("device", DeviceId);
            r.Set("serial", Serial);
            r.Set("request", RequestId);
            r.Set("time", Time);
            r.Set("csr", Csr == null || Csr.Length == 0 ? "" : Convert.ToBase64String(Csr));
            r.Set("pop", Pop == null ? "" : Convert.ToBase64String(Pop));
            return r.ToBytes();
        }

        /// <summary>Parses and validates; throws <see cref="TextRecordException"/> naming the problem.</summary>
        public static RenewalRequest Parse(byte[] payload)
        {
            TextRecord r = TextRecord.Parse(Schema, payload);
            RenewalRequest q = new RenewalRequest();
            q.Kind = r.Get("kind");
            if (q.Kind != KindStanding && q.Kind != KindRenew)
                throw Invalid("kind '" + q.Kind + "' is neither standing nor renew");
            q.DeviceId = r.Get("device");
            try
            {
                DeviceTopics.ValidateDeviceId(q.DeviceId);
            }
            catch (ArgumentException ex)
            {
                throw Invalid(ex.Message);
            }
            q.Serial = r.Get("serial");
            if (!IsHex(q.Serial) || q.Serial.Length == 0 || q.Serial.Length % 2 != 0 || q.Serial.Length > 64)
                throw Invalid("serial is not lower-case hex bytes");
            q.RequestId = r.Get("request");
            if (!Hex.IsLowerHex(q.RequestId, 32))
                throw Invalid("request id is not 32 lower-case hex characters");
            q.Time = r.Get("time");
            DateTime parsed;
            if (!UtcTime.TryParse(q.Time, out parsed))
                throw Invalid("time '" + q.Time + "' is not yyyy-MM-ddTHH:mm:ssZ");
            string csr = r.Get("csr");
            if (q.Kind == KindStanding)
            {
                if (csr.Length != 0)
                    throw Invalid("a standing query carries no csr");
                q.Csr = null;
            }
            else
            {
                q.Csr = Pem.FromBase64(csr);
                if (q.Csr == null)
                    throw Invalid("csr is not base64");
            }
            q.Pop = Pem.FromBase64(r.Get("pop"));
            if (q.Pop == null)
                throw Invalid("pop is not base64");
            return q;
        }

        private static bool IsHex(string text)
        {
            return text != null && Hex.IsLowerHex(text, text.Length);
        }

        internal static TextRecordException Invalid(string message)
        {
            return new TextRecordException(TextRecordError.InvalidValue, message);
        }
    }
}
