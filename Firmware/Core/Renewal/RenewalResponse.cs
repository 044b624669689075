using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Renewal
{
    /// <summary>
    /// The renewal service's answer (→ <c>devices/&lt;id&gt;/renew/response</c>), written by the service and
    /// parsed by the device: public, no device dependencies. cert, chain and fbpw are present (non-empty)
    /// exactly when status=issued; the writer omits them otherwise, the parser also accepts them empty.
    /// Parsing checks form only; whether the device believes it (request id, device, certificate chain) is
    /// the renewal client's decision.
    /// </summary>
    public sealed class RenewalResponse
    {
        public const string Header = "iotdevice-renewal-response-v1";
        public const string StatusOk = "ok";
        public const string StatusRenew = "renew";
        public const string StatusRevoked = "revoked";
        public const string StatusIssued = "issued";
        public const string StatusRefused = "refused";

        public static readonly TextRecordSchema Schema = new TextRecordSchema(Header,
            new string[] { "request", "device", "status", "reason", "cert", "chain", "fbpw" }, 4, 8192);

        public string RequestId { get; set; }

        public string DeviceId { get; set; }

        public string Status { get; set; }

        /// <summary>Short machine word (a-z 0-9 '-'), "none" when there is nothing to say.</summary>
        public string Reason { get; set; }

        /// <summary>New leaf DER (issued only).</summary>
        public byte[] Certificate { get; set; }

        /// <summary>Issuing CA DER (issued only).</summary>
        public byte[] Chain { get; set; }

        /// <summary>New fallback password, valid once the device commits (issued only).</summary>
        public string FallbackPassword { get; set; }

        public bool IsIssued
        {
            get { return Status == StatusIssued; }
        }

        public byte[] ToBytes()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("request", RequestId);
            r.Set("device", DeviceId);
            r.Set("status", Status);
            r.Set("reason", Reason == null || Reason.Length == 0 ? "none" : Reason);
            if (IsIssued)
            {
                r.Set("cert", Convert.ToBase64String(Certificate));
                r.Set("chain", Convert.ToBase64String(Chain));
                r.Set("fbpw", FallbackPassword);
            }
            return r.ToBytes();
        }

        /// <summary>Parses and validates the form; throws <see cref="TextRecordException"/> naming the problem.</summary>
        public static RenewalResponse Parse(byte[] payload)
        {
            TextRecord r = TextRecord.Parse(Schema, payload);
            RenewalResponse s = new RenewalResponse();
            s.RequestId = r.Get("request");
            if (!Hex.IsLowerHex(s.RequestId, 32))
                throw RenewalRequest.Invalid("request id is not 32 lower-case hex characters");
            s.DeviceId = r.Get("device");
            try
            {
                DeviceTopics.ValidateDeviceId(s.DeviceId);
            }
            catch (ArgumentException ex)
            {
                throw RenewalRequest.Invalid(ex.Message);
            }
            s.Status = r.Get("status");
            if (s.Status != StatusOk && s.Status != StatusRenew && s.Status != StatusRevoked && s.Status != StatusIssued && s.Status != StatusRefused)
                throw RenewalRequest.Invalid("status '" + s.Status + "' is unknown");
            s.Reason = r.Get("reason");
            if (!IsWord(s.Reason))
                throw RenewalRequest.Invalid("reason '" + s.Reason + "' is not a short machine word");
            string cert = r.Get("cert");
            string chain = r.Get("chain");
            string fbpw = r.Get("fbpw");
            if (s.IsIssued)
            {
                s.Certificate = Pem.FromBase64(cert);
                s.Chain = Pem.FromBase64(chain);
                if (s.Certificate == null)
                    throw RenewalRequest.Invalid("issued without a base64 cert");
                if (s.Chain == null)
                    throw RenewalRequest.Invalid("issued without a base64 chain");
                if (fbpw == null || fbpw.Length == 0 || fbpw.Length > 256)
                    throw RenewalRequest.Invalid("issued without a fallback password");
                s.FallbackPassword = fbpw;
            }
            else if ((cert != null && cert.Length > 0) || (chain != null && chain.Length > 0) || (fbpw != null && fbpw.Length > 0))
            {
                throw RenewalRequest.Invalid("status '" + s.Status + "' carries credentials");
            }
            return s;
        }

        private static bool IsWord(string text)
        {
            if (text == null || text.Length == 0 || text.Length > 32)
                return false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                    return false;
            }
            return true;
        }
    }
}
