using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Renewal
{
    [TestClass]
    public class RenewalCodecTests
    {
        private const string RequestId = "0123456789abcdef0123456789abcdef";

        [TestMethod]
        public void ProofOfPossession_IsTheContractsMessage_ByteForByte()
        {
            byte[] m = ProofOfPossession.Message("renew", "dev-0001", "008f3a", "ab12", RequestId, "2026-05-15T12:00:00Z");
            Assert.AreEqual("iotdevice-renewal-pop-v1\nkind=renew\ndevice=dev-0001\nserial=008f3a\ncsr-sha256=ab12\nrequest=" + RequestId + "\ntime=2026-05-15T12:00:00Z\n", Utf8.GetString(m));
            byte[] standing = ProofOfPossession.Message("standing", "dev-0001", "008f3a", "", RequestId, "2026-05-15T12:00:00Z");
            Assert.Contains("\ncsr-sha256=\nrequest=", Utf8.GetString(standing));
        }

        [TestMethod]
        public void Request_IsWrittenInTheContractsOrder_AndRoundTrips()
        {
            RenewalRequest q = new RenewalRequest();
            q.Kind = "renew";
            q.DeviceId = "dev-0001";
            q.Serial = "008f3a";
            q.RequestId = RequestId;
            q.Time = "2026-05-15T12:00:00Z";
            q.Csr = new byte[] { 1, 2, 3 };
            q.Pop = new byte[] { 0x30, 0x01 };
            Assert.AreEqual("iotdevice-renewal-request-v1\nkind=renew\ndevice=dev-0001\nserial=008f3a\nrequest=" + RequestId + "\ntime=2026-05-15T12:00:00Z\ncsr=AQID\npop=MAE=\n", Utf8.GetString(q.ToBytes()));
            RenewalRequest back = RenewalRequest.Parse(q.ToBytes());
            Assert.AreEqual("renew", back.Kind);
            Assert.AreEqual(3, back.Csr.Length);
            Assert.AreEqual(Utf8.GetString(q.PopMessage("aa")), Utf8.GetString(back.PopMessage("aa")));
        }

        private static TextRecordError RequestError(string text)
        {
            try
            {
                RenewalRequest.Parse(Utf8.GetBytes(text));
            }
            catch (TextRecordException ex)
            {
                return ex.Error;
            }
            return TextRecordError.None;
        }

        [TestMethod]
        [DataRow("kind=fetch\ndevice=dev-0001\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=Dev\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=dev-0001\nserial=0G\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=dev-0001\nserial=00\nrequest=0123456789ABCDEF0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=dev-0001\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15 12:00:00\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=dev-0001\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=AQID\npop=MAE=\n")]
        [DataRow("kind=renew\ndevice=dev-0001\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=MAE=\n")]
        [DataRow("kind=standing\ndevice=dev-0001\nserial=00\nrequest=0123456789abcdef0123456789abcdef\ntime=2026-05-15T12:00:00Z\ncsr=\npop=M!E=\n")]
        public void Request_InvalidValues_AreNamed(string body)
        {
            Assert.AreEqual((int)TextRecordError.InvalidValue, (int)RequestError("iotdevice-renewal-request-v1\n" + body));
        }

        [TestMethod]
        public void Response_Issued_RoundTrips_OthersOmitCredentials()
        {
            RenewalResponse r = new RenewalResponse();
            r.RequestId = RequestId;
            r.DeviceId = "dev-0001";
            r.Status = "issued";
            r.Reason = "none";
            r.Certificate = new byte[] { 1, 2, 3 };
            r.Chain = new byte[] { 4, 5, 6 };
            r.FallbackPassword = "pw-1";
            Assert.AreEqual("iotdevice-renewal-response-v1\nrequest=" + RequestId + "\ndevice=dev-0001\nstatus=issued\nreason=none\ncert=AQID\nchain=BAUG\nfbpw=pw-1\n", Utf8.GetString(r.ToBytes()));
            RenewalResponse back = RenewalResponse.Parse(r.ToBytes());
            Assert.IsTrue(back.IsIssued);
            Assert.AreEqual("pw-1", back.FallbackPassword);
            Assert.AreEqual(3, back.Chain.Length);

            r.Status = "ok";
            Assert.AreEqual("iotdevice-renewal-response-v1\nrequest=" + RequestId + "\ndevice=dev-0001\nstatus=ok\nreason=none\n", Utf8.GetString(r.ToBytes()));
            Assert.IsNull(RenewalResponse.Parse(r.ToBytes()).Certificate);
            // The service may also write the issued-only fields empty.
            Assert.AreEqual("ok", RenewalResponse.Parse(Utf8.GetBytes("iotdevice-renewal-response-v1\nrequest=" + RequestId + "\ndevice=dev-0001\nstatus=ok\nreason=none\ncert=\nchain=\nfbpw=\n")).Status);
        }

        private static TextRecordError ResponseError(string body)
        {
            try
            {
                RenewalResponse.Parse(Utf8.GetBytes("iotdevice-renewal-response-v1\nrequest=" + RequestId + "\n" + body));
            }
            catch (TextRecordException ex)
            {
                return ex.Error;
            }
            return TextRecordError.None;
        }

        [TestMethod]
        [DataRow("device=dev-0001\nstatus=granted\nreason=none\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=ok\nreason=Bad Word\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=issued\nreason=none\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=issued\nreason=none\ncert=AQID\nchain=BAUG\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=issued\nreason=none\ncert=AQI\nchain=BAUG\nfbpw=x\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=ok\nreason=none\ncert=AQID\n", TextRecordError.InvalidValue)]
        [DataRow("device=dev-0001\nstatus=ok\n", TextRecordError.MissingField)]
        [DataRow("status=ok\ndevice=dev-0001\nreason=none\n", TextRecordError.OutOfOrderField)]
        [DataRow("device=dev-0001\nstatus=ok\nreason=none\n", TextRecordError.None)]
        public void Response_Rejections_AreNamed(string body, TextRecordError expected)
        {
            Assert.AreEqual((int)expected, (int)ResponseError(body));
        }

        [TestMethod]
        public void Policy_WindowRateLimitAndBackoff()
        {
            RenewalPolicy p = new RenewalPolicy();
            DateTime notAfter = new DateTime(2026, 6, 1, 0, 0, 0);
            Assert.IsFalse(p.IsDue(new DateTime(2026, 5, 1, 23, 59, 59), notAfter));
            Assert.IsTrue(p.IsDue(new DateTime(2026, 5, 2, 0, 0, 0), notAfter));
            Assert.IsTrue(p.IsDue(new DateTime(2027, 1, 1, 0, 0, 0), notAfter));

            DateTime t = new DateTime(2026, 5, 15, 0, 0, 0);
            Assert.IsTrue(p.MayRequest(t));
            p.RecordRequest(t);
            Assert.IsFalse(p.MayRequest(t.AddMinutes(9)));
            Assert.IsTrue(p.MayRequest(t.AddMinutes(10)));
            p.RecordFailure(t);
            Assert.AreEqual(t.AddMinutes(10), p.NextRequest);
            p.RecordFailure(t);
            Assert.AreEqual(t.AddMinutes(20), p.NextRequest);
            p.RecordFailure(t);
            Assert.AreEqual(t.AddMinutes(40), p.NextRequest);
            for (int i = 0; i < 20; i++)
                p.RecordFailure(t);
            Assert.AreEqual(t.AddDays(1), p.NextRequest);
            p.RecordSuccess(t);
            Assert.AreEqual(0, p.ConsecutiveFailures);
            p.RecordRevoked(t);
            Assert.AreEqual(t.AddDays(1), p.NextRequest);
        }
    }
}
