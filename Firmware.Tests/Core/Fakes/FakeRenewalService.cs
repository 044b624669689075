using System;
using System.Collections;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// The brokers and the renewal service behind a <see cref="FakeMqttSession"/>: the primary ("p1"/"p2")
    /// accepts the certificates the test allows, the fallback ("fb") accepts one password, and requests on
    /// renew/request are answered on renew/response as README "Device protocols" describes (the answer is delivered
    /// like a broker delivers it: raised on the session, dispatched by the device's next Tick).
    /// </summary>
    public sealed class FakeRenewalService : IFakeBroker
    {
        public readonly ArrayList Requests = new ArrayList();  // RenewalRequest
        public readonly ArrayList Responses = new ArrayList(); // byte[] as sent

        public FakeRenewalService()
        {
            PrimaryAcceptsOld = true;
            PrimaryAcceptsNew = true;
            FallbackPassword = "old-password";
            StandingStatus = RenewalResponse.StatusRenew;
            IssuedCertificate = TestPki.LeafNew;
            IssuedChain = TestPki.IssuingCa;
            NewFallbackPassword = "new-password";
        }

        public bool PrimaryAcceptsOld { get; set; }

        public bool PrimaryAcceptsNew { get; set; }

        public string FallbackPassword { get; set; }

        /// <summary>Answer to a standing query: ok, renew, revoked, refused.</summary>
        public string StandingStatus { get; set; }

        /// <summary>Status of the answer to a renew request ("issued" unless changed).</summary>
        public string RenewStatus { get; set; }

        public string IssuedCertificate { get; set; }

        public string IssuedChain { get; set; }

        public string NewFallbackPassword { get; set; }

        /// <summary>When set, answers carry this request id instead of the request's.</summary>
        public string AnswerWithRequestId { get; set; }

        public string AnswerWithDevice { get; set; }

        /// <summary>Replace the next answer by these bytes.</summary>
        public byte[] RawAnswer { get; set; }

        public bool Silent { get; set; }

        /// <summary>
        /// Competing service instances after a redelivery: the instance that issued died before its ack, the broker gave
        /// the request to another one, which refuses it "replayed". "after": the refusal follows the issued answer;
        /// "before": it arrives first (the issued answer was late). Applies to the next renew request only; null: off.
        /// </summary>
        public string SecondInstanceRefusal { get; set; }

        /// <summary>False once a request arrived whose PoP was not by the active key over the protocol's message.</summary>
        public bool AllPopsValid = true;

        public string ExpectedSigningKey = "id0_key";

        public RenewalRequest Request(int index)
        {
            return (RenewalRequest)Requests[index];
        }

        public MqttConnectResult OnConnect(FakeMqttSession session, MqttEndpoint endpoint, MqttCredentials credentials, MqttConnectResult scripted)
        {
            if (scripted != MqttConnectResult.Connected)
                return scripted;
            if (endpoint.Host == "fb")
                return !credentials.UsesCertificate && credentials.Password == FallbackPassword ? MqttConnectResult.Connected : MqttConnectResult.NotAuthorized;
            if (!credentials.UsesCertificate)
                return MqttConnectResult.NotAuthorized;
            string chain = Utf8.GetString(credentials.CertificatePem);
            if (chain.IndexOf(TestPki.PemOf(TestPki.Leaf)) == 0)
                return PrimaryAcceptsOld ? MqttConnectResult.Connected : MqttConnectResult.ClientCertificateRejected;
            if (chain.IndexOf(TestPki.PemOf(TestPki.LeafNew)) == 0)
                return PrimaryAcceptsNew ? MqttConnectResult.Connected : MqttConnectResult.ClientCertificateRejected;
            return MqttConnectResult.ClientCertificateRejected;
        }

        public void OnPublish(FakeMqttSession session, string topic, byte[] payload)
        {
            if (topic != "devices/dev-0001/renew/request")
                return;
            RenewalRequest request = RenewalRequest.Parse(payload);
            Requests.Add(request);
            string csrHash = request.Csr == null ? "" : Hex.ToLower(FakeSha256.Hash(request.Csr));
            string expectedPop = "SIG:" + ExpectedSigningKey + ":" + Hex.ToLower(FakeSha256.Hash(request.PopMessage(csrHash)));
            if (Utf8.GetString(request.Pop) != expectedPop)
                AllPopsValid = false;
            if (Silent)
                return;
            RenewalResponse response = new RenewalResponse();
            response.RequestId = AnswerWithRequestId != null ? AnswerWithRequestId : request.RequestId;
            response.DeviceId = AnswerWithDevice != null ? AnswerWithDevice : request.DeviceId;
            response.Reason = "none";
            if (request.Kind == RenewalRequest.KindStanding)
            {
                response.Status = StandingStatus;
                if (StandingStatus == RenewalResponse.StatusRevoked)
                    response.Reason = "revoked";
            }
            else
            {
                response.Status = RenewStatus != null ? RenewStatus : RenewalResponse.StatusIssued;
                response.Certificate = Convert.FromBase64String(IssuedCertificate);
                response.Chain = Convert.FromBase64String(IssuedChain);
                response.FallbackPassword = NewFallbackPassword;
            }
            byte[] bytes = RawAnswer != null ? RawAnswer : response.ToBytes();
            RawAnswer = null;
            byte[] refusal = null;
            if (SecondInstanceRefusal != null && request.Kind == RenewalRequest.KindRenew)
            {
                RenewalResponse refused = new RenewalResponse();
                refused.RequestId = request.RequestId;
                refused.DeviceId = request.DeviceId;
                refused.Status = RenewalResponse.StatusRefused;
                refused.Reason = "replayed";
                refusal = refused.ToBytes();
            }
            bool refusalFirst = refusal != null && SecondInstanceRefusal == "before";
            if (refusal != null)
                SecondInstanceRefusal = null;
            if (refusalFirst)
            {
                Responses.Add(refusal);
                session.Deliver("devices/dev-0001/renew/response", refusal);
            }
            Responses.Add(bytes);
            session.Deliver("devices/dev-0001/renew/response", bytes);
            if (refusal != null && !refusalFirst)
            {
                Responses.Add(refusal);
                session.Deliver("devices/dev-0001/renew/response", refusal);
            }
        }
    }
}
