using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Renewal
{
    [TestClass]
    public class RenewalClientTests
    {
        private const string RequestTopic = "devices/dev-0001/renew/request";
        private const string ResponseTopic = "devices/dev-0001/renew/response";
        // FakeCrypto hands out 01, 02, ...: 4 bytes seed the backoff jitter, then 16 per request id.
        private const string StandingId = "05060708090a0b0c0d0e0f1011121314";
        private const string RenewId = "15161718191a1b1c1d1e1f2021222324";

        private static void AssertNoIdentityWrites(FakeSecureStore store)
        {
            Assert.IsFalse(store.WasWritten("id1_crt"), "id1_crt written");
            Assert.IsFalse(store.WasWritten("id1_chain"), "id1_chain written");
            Assert.IsFalse(store.WasWritten("id1_fbpw"), "id1_fbpw written");
            Assert.IsFalse(store.WasWritten("id_act"), "id_act written");
            Assert.IsFalse(store.WasWritten("id0_crt"), "id0_crt written");
            Assert.IsFalse(store.WasWritten("id0_key"), "id0_key written");
        }

        [TestMethod]
        public void StandingOk_NoRenewal_AndNoSecondQueryForADay()
        {
            AppRig rig = new AppRig();
            rig.Service.StandingStatus = "ok";
            rig.Build();
            rig.Run(100, 1000);

            Assert.AreEqual(1, rig.Service.Requests.Count);
            Assert.AreEqual("standing", rig.Service.Request(0).Kind);
            Assert.AreEqual(0, rig.Keys.Generated);
            Assert.AreEqual("ok", rig.App.RenewalOutcome);
            Assert.AreEqual("ok", rig.LastStatus.Renewal);
            AssertNoIdentityWrites(rig.Store);
            rig.Run(23 * 60, 60000);
            Assert.AreEqual(1, rig.Service.Requests.Count);
            rig.Run(70, 60000);
            Assert.AreEqual(2, rig.Service.Requests.Count);
        }

        [TestMethod]
        public void OutsideTheWindow_OnThePrimary_NoRequestAtAll()
        {
            AppRig rig = new AppRig(new DateTime(2026, 3, 1, 0, 0, 0));
            rig.Build();
            rig.Run(200, 1000);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual(0, rig.Service.Requests.Count);
        }

        [TestMethod]
        public void Renew_OnThePrimary_RequestsVerifiesTriesAndCommits()
        {
            AppRig rig = new AppRig();
            rig.Build();
            rig.Run(30, 100);

            Assert.AreEqual(2, rig.Service.Requests.Count);
            RenewalRequest standing = rig.Service.Request(0);
            Assert.AreEqual(StandingId, standing.RequestId);
            Assert.IsNull(standing.Csr);
            RenewalRequest renew = rig.Service.Request(1);
            Assert.AreEqual("renew", renew.Kind);
            Assert.AreEqual("dev-0001", renew.DeviceId);
            Assert.AreEqual(TestPki.LeafSerial, renew.Serial);
            Assert.AreEqual(RenewId, renew.RequestId);
            Assert.AreEqual("2026-05-15T12:00:00Z", renew.Time);
            Assert.AreEqual("CSR:id1_key:dev-0001", Utf8.GetString(renew.Csr)); // new key in the INACTIVE slot, CN = id
            Assert.AreEqual("dev-0001", rig.Keys.LastCsrCommonName);
            // PoP by the ACTIVE key over exactly the protocol's message.
            Assert.AreEqual("id0_key", rig.Keys.LastSigningKey);
            Assert.AreEqual("iotdevice-renewal-pop-v1\nkind=renew\ndevice=dev-0001\nserial=" + TestPki.LeafSerial
                + "\ncsr-sha256=" + Hex.ToLower(FakeSha256.Hash(Utf8.GetBytes("CSR:id1_key:dev-0001")))
                + "\nrequest=" + RenewId + "\ntime=2026-05-15T12:00:00Z\n", Utf8.GetString(rig.Keys.LastSignedData));
            Assert.IsTrue(rig.Service.AllPopsValid);
            Assert.IsFalse(rig.Session.PublishedOn(RequestTopic, 0).Retain);

            // Stored in slot 1, tried on the primary, committed, and the status shows the new serial.
            Assert.AreEqual("1", rig.Store.GetString(DeviceStoreKeys.Namespace, "id_act"));
            Assert.AreEqual(1, rig.App.ActiveSlot);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.App.ActiveSerial);
            Assert.AreEqual("new-password", rig.App.Identities.Active.FallbackPassword);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.LastStatus.Serial);
            Assert.AreEqual("renewed", rig.LastStatus.Renewal);
            Assert.AreEqual(TestPki.LeafNewSerial, StatusReport.Parse(rig.Session.LastConnect.Will.Payload).Serial);
            Assert.IsTrue(rig.Session.LastConnect.CertificateText.IndexOf(TestPki.PemOf(TestPki.LeafNew)) == 0);
            Assert.IsFalse(rig.Store.WasWritten("id0_crt"));
            Assert.IsFalse(rig.Store.WasWritten("id0_key"));
        }

        [TestMethod]
        public void NoStatusShowsTheNewSerial_BeforeTheCommit()
        {
            // The registry commits the renewal when the retained status shows the new serial: that must only
            // happen on the session opened after id_act flipped (connect #3), never on the probe or before.
            AppRig rig = new AppRig();
            rig.Build();
            rig.Run(30, 100);
            Assert.AreEqual(3, rig.Session.Connects.Count); // old identity, trial probe, new identity
            Assert.AreEqual(TestPki.LeafSerial, StatusReport.Parse(rig.Session.Connect(1).Will.Payload).Serial);
            int connects = 0;
            int published = 0;
            bool sawNew = false;
            for (int i = 0; i < rig.Session.Log.Count; i++)
            {
                string entry = (string)rig.Session.Log[i];
                if (entry.IndexOf("connect ") == 0)
                    connects++;
                if (entry.IndexOf("publish ") != 0)
                    continue;
                PublishedMessage m = rig.Session.PublishedAt(published++);
                if (m.Topic != "devices/dev-0001/status")
                    continue;
                string serial = StatusReport.Parse(m.Payload).Serial;
                Assert.AreEqual(connects < 3 ? TestPki.LeafSerial : TestPki.LeafNewSerial, serial, "status after connect " + connects.ToString());
                if (serial == TestPki.LeafNewSerial)
                    sawNew = true;
            }
            Assert.IsTrue(sawNew);
        }

        [TestMethod]
        public void ResponseForAnotherRequestId_IsIgnored_ThenTheRightOneIsUsed()
        {
            AppRig rig = new AppRig();
            rig.Service.AnswerWithRequestId = "ffffffffffffffffffffffffffffffff";
            rig.Build();
            rig.Run(10, 100);
            Assert.AreEqual("awaiting-standing", rig.App.Renewal.StateName);
            Assert.AreEqual("other-request", rig.App.Renewal.LastRejection);
            Assert.AreEqual(StandingId, rig.App.Renewal.OutstandingRequestId);

            RenewalResponse right = new RenewalResponse();
            right.RequestId = StandingId;
            right.DeviceId = "dev-0001";
            right.Status = "ok";
            right.Reason = "none";
            rig.Session.Deliver(ResponseTopic, right.ToBytes());
            rig.Run(3, 100);
            Assert.AreEqual("ok", rig.App.RenewalOutcome);
            Assert.AreEqual("idle", rig.App.Renewal.StateName);
        }

        [TestMethod]
        public void ReplayedResponse_IsRejected_WithoutAnyStateChange()
        {
            AppRig rig = new AppRig();
            rig.Build();
            rig.Run(30, 100);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            rig.Store.ClearWriteLog();
            int requests = rig.Service.Requests.Count;

            rig.Session.Deliver(ResponseTopic, (byte[])rig.Service.Responses[1]); // the "issued" answer again
            rig.Run(5, 100);

            Assert.AreEqual("replayed", rig.App.Renewal.LastRejection);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            Assert.AreEqual(0, rig.Store.WriteCount);
            Assert.AreEqual(requests, rig.Service.Requests.Count);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.App.ActiveSerial);
        }

        [TestMethod]
        public void RefusedReplayed_FromASecondServiceInstance_AfterTheIssuedAnswer_IsIgnored_AndTheRenewalCompletes()
        {
            // The renewal service's redelivery case: the instance that issued died before its ack, another instance
            // refuses the redelivered request "replayed". The device has taken the first answer; the refusal is harmless.
            AppRig rig = new AppRig();
            rig.Service.SecondInstanceRefusal = "after";
            rig.Build();
            rig.Run(30, 100);

            Assert.AreEqual(3, rig.Service.Responses.Count); // standing, issued, refused/replayed
            Assert.AreEqual("replayed", rig.App.Renewal.LastRejection);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            Assert.AreEqual("renewed", rig.LastStatus.Renewal);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.App.ActiveSerial);
            Assert.AreEqual(1, rig.App.ActiveSlot);
            Assert.AreEqual("idle", rig.App.Renewal.StateName);
            Assert.AreEqual(2, rig.Service.Requests.Count);
        }

        [TestMethod]
        public void RefusedReplayed_BeforeTheIssuedAnswer_FailsTheRequest_NothingIsStored_AndTheLateAnswerIsIgnored()
        {
            // The refusal of the second instance overtakes the first instance's answer: the request fails (nothing is
            // written), the late "issued" answer is a replay for the device, and the next attempt renews normally.
            AppRig rig = new AppRig();
            rig.Service.SecondInstanceRefusal = "before";
            rig.Build();
            rig.Run(30, 100);

            Assert.AreEqual("refused-replayed", rig.App.RenewalOutcome);
            Assert.AreEqual("replayed", rig.App.Renewal.LastRejection);
            Assert.AreEqual("idle", rig.App.Renewal.StateName);
            AssertNoIdentityWrites(rig.Store);
            Assert.AreEqual(0, rig.App.ActiveSlot);
            Assert.AreEqual(2, rig.Service.Requests.Count);

            rig.Keys.QueueGeneratedKey(TestPki.Der(TestPki.Key2PublicKeyInfo)); // the retry generates a new key again
            rig.Run(12, 60000); // past the retry interval after one failure (10 minutes)
            rig.Run(30, 100);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.App.ActiveSerial);
            Assert.AreEqual(4, rig.Service.Requests.Count);
            Assert.AreNotEqual(rig.Service.Request(1).RequestId, rig.Service.Request(3).RequestId);
        }

        [TestMethod]
        [DataRow(TestPki.LeafFromOtherCa, TestPki.OtherIssuingCa, "rejected-untrusted-issuer")]
        [DataRow(TestPki.LeafFromOtherCa, TestPki.IssuingCa, "rejected-bad-signature")]
        [DataRow(TestPki.Leaf, TestPki.IssuingCa, "rejected-key-mismatch")]
        [DataRow(TestPki.LeafOtherDevice, TestPki.IssuingCa, "rejected-cn-mismatch")]
        [DataRow(TestPki.LeafUnderNotCa, TestPki.NotCaIssuer, "rejected-issuer-not-ca")]
        public void BadCertificates_AreRejected_NothingIsStored(string leaf, string chain, string outcome)
        {
            AppRig rig = new AppRig();
            rig.Service.IssuedCertificate = leaf;
            rig.Service.IssuedChain = chain;
            rig.Build();
            rig.Run(30, 100);

            Assert.AreEqual(outcome, rig.App.RenewalOutcome);
            Assert.AreEqual(outcome, rig.LastStatus.Renewal);
            AssertNoIdentityWrites(rig.Store);
            Assert.AreEqual(0, rig.App.ActiveSlot);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual(1, rig.Session.Connects.Count); // no trial
        }

        [TestMethod]
        public void TamperedCertificate_IsRejected()
        {
            AppRig rig = new AppRig();
            byte[] der = TestPki.Der(TestPki.LeafNew);
            der[20] ^= 0x04; // inside the serial number (TBS)
            rig.Service.IssuedCertificate = Convert.ToBase64String(der);
            rig.Build();
            rig.Run(30, 100);
            Assert.AreEqual("rejected-bad-signature", rig.App.RenewalOutcome);
            AssertNoIdentityWrites(rig.Store);
        }

        [TestMethod]
        public void ExpiredCertificate_IsRejected()
        {
            AppRig rig = new AppRig(new DateTime(2027, 5, 2, 0, 0, 0)); // LeafNew ended 2027-05-01
            rig.Build();
            rig.Run(30, 100);
            Assert.AreEqual("rejected-expired", rig.App.RenewalOutcome);
            AssertNoIdentityWrites(rig.Store);
        }

        [TestMethod]
        public void ResponseNamingAnotherDevice_IsRejected()
        {
            AppRig rig = new AppRig();
            rig.Service.AnswerWithDevice = "dev-0002";
            rig.Build();
            rig.Run(10, 100);
            Assert.AreEqual("other-device", rig.App.Renewal.LastRejection);
            Assert.AreEqual("rejected-other-device", rig.App.RenewalOutcome);
            AssertNoIdentityWrites(rig.Store);
        }

        [TestMethod]
        public void MalformedPayload_IsRejected_AndTheRequestTimesOut()
        {
            AppRig rig = new AppRig();
            rig.Service.RawAnswer = Utf8.GetBytes("iotdevice-renewal-response-v1\nrequest=" + StandingId + "\nstatus=ok\n");
            rig.Build();
            rig.Run(10, 100);
            Assert.AreEqual("malformed", rig.App.Renewal.LastRejection);
            Assert.AreEqual("awaiting-standing", rig.App.Renewal.StateName);
            rig.Run(40, 1000);
            Assert.AreEqual("timeout", rig.App.RenewalOutcome);
            AssertNoIdentityWrites(rig.Store);
        }

        [TestMethod]
        public void TrialRefusedByThePrimary_IsDiscarded_TheOldIdentityStays()
        {
            AppRig rig = new AppRig();
            rig.Service.PrimaryAcceptsNew = false;
            rig.Build();
            rig.Run(60, 100);

            Assert.AreEqual("trial-refused", rig.App.RenewalOutcome);
            Assert.AreEqual("0", rig.Store.GetString(DeviceStoreKeys.Namespace, "id_act"));
            Assert.IsFalse(rig.Store.WasWritten("id_act"));
            Assert.IsNull(rig.Store.GetString(DeviceStoreKeys.Namespace, "id1_crt"));
            Assert.AreEqual(TestPki.LeafSerial, rig.App.ActiveSerial);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.IsTrue(rig.Session.LastConnect.CertificateText.IndexOf(TestPki.PemOf(TestPki.Leaf)) == 0);
            Assert.AreEqual("trial-refused", rig.LastStatus.Renewal);
        }

        [TestMethod]
        public void Revoked_StopsAndChecksBackAfterADay()
        {
            AppRig rig = new AppRig();
            rig.Service.StandingStatus = "revoked";
            rig.Build();
            rig.Run(100, 1000);
            Assert.AreEqual("revoked", rig.App.Renewal.StateName);
            Assert.AreEqual("revoked", rig.App.RenewalOutcome);
            Assert.AreEqual(1, rig.Service.Requests.Count);
            Assert.AreEqual(0, rig.Keys.Generated);

            rig.Run(23 * 60, 60000);
            Assert.AreEqual(1, rig.Service.Requests.Count);
            rig.Run(60, 60000);
            Assert.AreEqual(2, rig.Service.Requests.Count);
            Assert.AreEqual("standing", rig.Service.Request(1).Kind);
        }

        [TestMethod]
        public void FailedRequests_BackOffExponentially()
        {
            AppRig rig = new AppRig();
            rig.Service.Silent = true;
            rig.Build();
            rig.Run(6 * 60, 10000); // one hour
            // timeouts at 30 s, then gaps of 10, 20, 40 minutes: 3 requests within the hour
            Assert.AreEqual(3, rig.Service.Requests.Count);
            Assert.AreEqual("timeout", rig.App.RenewalOutcome);
        }
    }
}
