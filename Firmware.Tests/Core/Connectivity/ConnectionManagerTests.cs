using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Connectivity
{
    [TestClass]
    public class ConnectionManagerTests
    {
        private const string Telemetry = "devices/dev-0001/telemetry";
        private const string Status = "devices/dev-0001/status";

        [TestMethod]
        public void HappyPath_ConnectsSubscribesPublishesRetainedStatusWithWill_AndDeliversTelemetry()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            rig.Queue.Enqueue(ConnectionRig.Telemetry(1));
            rig.Queue.Enqueue(ConnectionRig.Telemetry(2));

            rig.Tick(100);

            Assert.AreEqual("online-primary", rig.Manager.StateName);
            ConnectAttempt c = rig.Session.Connect(0);
            Assert.AreEqual("p1", c.Endpoint.Host);
            Assert.AreEqual(8883, c.Endpoint.Port);
            Assert.AreEqual(Utf8.GetString(rig.CaBundle), Utf8.GetString(c.Endpoint.CaCertificatePem));
            Assert.IsTrue(c.Credentials.UsesCertificate);
            Assert.IsNull(c.Credentials.Username); // certificate login: no username on RabbitMQ 3.10
            Assert.AreEqual("dev-0001", c.Credentials.ClientId);
            Assert.AreEqual(TestPki.PemOf(TestPki.Leaf) + TestPki.PemOf(TestPki.IssuingCa), c.CertificateText);
            Assert.AreEqual(Status, c.Will.Topic);
            Assert.IsTrue(c.Will.Retain);
            Assert.AreEqual("offline", StatusReport.Parse(c.Will.Payload).State);

            Assert.AreEqual("connect p1:8883", (string)rig.Session.Log[0]);
            Assert.AreEqual("subscribe devices/dev-0001/commands", (string)rig.Session.Log[1]);
            Assert.AreEqual("subscribe devices/dev-0001/renew/response", (string)rig.Session.Log[2]);
            Assert.AreEqual("publish " + Status, (string)rig.Session.Log[3]);
            PublishedMessage status = rig.Session.PublishedAt(0);
            Assert.IsTrue(status.Retain);
            Assert.AreEqual("online", StatusReport.Parse(status.Payload).State);
            Assert.AreEqual(TestPki.LeafSerial, StatusReport.Parse(status.Payload).Serial);
            Assert.AreEqual("reading 1", rig.Session.PublishedOn(Telemetry, 0).Text);
            Assert.AreEqual("reading 2", rig.Session.PublishedOn(Telemetry, 1).Text);
            Assert.IsFalse(rig.Session.PublishedOn(Telemetry, 0).Retain);
            Assert.AreEqual(0, rig.Queue.Count);
            Assert.IsTrue(rig.Log.Contains("conn: waiting-to-connect -> online-primary"));
        }

        [TestMethod]
        public void NetworkErrors_RetryThePrimaryNodes_NeverTheFallback()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.DefaultResult = MqttConnectResult.NetworkError;
            rig.Build();

            rig.Run(20000, 500); // almost three hours of failures

            Assert.IsTrue(rig.Session.Connects.Count > 30, rig.Session.Connects.Count.ToString());
            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
            for (int i = 0; i < rig.Session.Connects.Count; i++)
                Assert.AreEqual(i % 2 == 0 ? "p1" : "p2", rig.Session.Connect(i).Endpoint.Host);
            Assert.AreEqual((int)BrokerKind.Primary, (int)rig.Manager.Mode);
            Assert.AreEqual(0, rig.Manager.RejectionStreak);
        }

        [TestMethod]
        public void Backoff_GrowsBetweenFailedAttempts_UpToTheCap()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.DefaultResult = MqttConnectResult.NetworkError;
            rig.Build();
            rig.Run(20000, 500);
            // With a 5-minute cap, three hours hold far fewer attempts than one per second.
            Assert.IsTrue(rig.Session.Connects.Count < 80, rig.Session.Connects.Count.ToString());
        }

        [TestMethod]
        public void BrokerRestart_ReconnectsToThePrimary_AndDeliversWhatWasQueuedMeanwhile_InOrder()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(5, 100));
            rig.Run(400, 100); // a long, healthy session

            rig.Session.Drop();
            rig.Session.Script(MqttConnectResult.NetworkError, 6);
            for (int i = 1; i <= 5; i++)
                rig.Queue.Enqueue(ConnectionRig.Telemetry(i));
            rig.Run(3000, 100);

            Assert.AreEqual("online-primary", rig.Manager.StateName);
            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
            Assert.AreEqual(8, rig.Session.Connects.Count);
            Assert.AreEqual(5, rig.Session.CountPublished(Telemetry));
            for (int i = 0; i < 5; i++)
                Assert.AreEqual("reading " + (i + 1).ToString(), rig.Session.PublishedOn(Telemetry, i).Text);
            Assert.AreEqual(2, rig.Session.CountPublished(Status));
            Assert.AreEqual(0, rig.Manager.Takeovers);
        }

        [TestMethod]
        public void ServerNotTrusted_NeverMovesToTheFallback()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.DefaultResult = MqttConnectResult.ServerNotTrusted;
            rig.Build();

            rig.Run(10000, 500);

            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
            Assert.IsTrue(rig.Manager.ServerNotTrustedCount > 10);
            Assert.AreEqual((int)BrokerKind.Primary, (int)rig.Manager.Mode);
            Assert.IsTrue(rig.Log.Contains("never falling back"));
        }

        [TestMethod]
        [DataRow(MqttConnectResult.ClientCertificateRejected)]
        [DataRow(MqttConnectResult.NotAuthorized)]
        public void RepeatedIdentityRejection_MovesToTheFallback_WithPasswordAndTheSameCa(MqttConnectResult rejection)
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.Script(rejection, 2);
            rig.Build();
            rig.Queue.Enqueue(ConnectionRig.Telemetry(1));

            Assert.IsTrue(rig.RunUntilOnline(200, 500));

            Assert.AreEqual("online-fallback", rig.Manager.StateName);
            Assert.AreEqual(3, rig.Session.Connects.Count);
            Assert.IsTrue(rig.Session.Connect(0).Credentials.UsesCertificate);
            Assert.IsTrue(rig.Session.Connect(1).Credentials.UsesCertificate);
            ConnectAttempt fb = rig.Session.Connect(2);
            Assert.AreEqual("fb", fb.Endpoint.Host);
            Assert.AreEqual(8884, fb.Endpoint.Port);
            Assert.IsFalse(fb.Credentials.UsesCertificate);
            Assert.AreEqual("dev-0001", fb.Credentials.Username);
            Assert.AreEqual("old-password", fb.Credentials.Password);
            Assert.AreEqual("dev-0001", fb.Credentials.ClientId);
            Assert.AreEqual(Utf8.GetString(rig.CaBundle), Utf8.GetString(fb.Endpoint.CaCertificatePem));
            // Fallback permissions: renew/response only, status allowed, no telemetry.
            Assert.AreEqual(1, rig.Session.Subscriptions.Count);
            Assert.AreEqual("devices/dev-0001/renew/response", (string)rig.Session.Subscriptions[0]);
            Assert.AreEqual(1, rig.Session.CountPublished(Status));
            rig.Run(50, 100);
            Assert.AreEqual(0, rig.Session.CountPublished(Telemetry));
            Assert.AreEqual(1, rig.Queue.Count);
        }

        [TestMethod]
        public void OneRejection_StaysOnThePrimary()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected);
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(200, 500));
            Assert.AreEqual("online-primary", rig.Manager.StateName);
            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
        }

        [TestMethod]
        public void LinkLoss_StartsTheRejectionCountOver()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected);
            rig.Build();
            rig.Tick(100);
            Assert.AreEqual(1, rig.Manager.RejectionStreak);
            rig.Manager.NetworkUp = false;
            rig.Run(10, 1000);
            Assert.AreEqual("waiting-for-network", rig.Manager.StateName);
            rig.Manager.NetworkUp = true;
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected);
            rig.Run(100, 500);
            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
            Assert.AreEqual("online-primary", rig.Manager.StateName);
        }

        [TestMethod]
        public void LocalExpiryAlone_WithThePrimaryAccepting_NeverMovesToTheFallback()
        {
            // The stored certificate ended 2026-06-01; the (possibly forged) clock says July.
            ConnectionRig rig = new ConnectionRig(new DateTime(2026, 7, 1, 0, 0, 0));
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(5, 100));
            rig.Run(1000, 1000);
            Assert.AreEqual("online-primary", rig.Manager.StateName);
            Assert.AreEqual(0, rig.Session.CountPasswordConnects());
            Assert.AreEqual(1, rig.Session.Connects.Count);
        }

        [TestMethod]
        public void LocalExpiry_TogetherWithOneRejection_MovesToTheFallback()
        {
            ConnectionRig rig = new ConnectionRig(new DateTime(2026, 7, 1, 0, 0, 0));
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected);
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(20, 100));
            Assert.AreEqual("online-fallback", rig.Manager.StateName);
            Assert.AreEqual(2, rig.Session.Connects.Count);
            Assert.IsTrue(rig.Log.Contains("expired by the trusted clock"));
        }

        [TestMethod]
        public void FallbackUnreachable_ReturnsToThePrimaryAfterAFewAttempts()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected, 2);
            rig.Session.Script(MqttConnectResult.NetworkError, 3); // the fallback is down
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(2000, 500));
            Assert.AreEqual("online-primary", rig.Manager.StateName);
            Assert.AreEqual(3, rig.Session.CountPasswordConnects());
            Assert.IsTrue(rig.Session.LastConnect.Credentials.UsesCertificate);
        }

        [TestMethod]
        public void FallbackRefusingThePassword_ReturnsToThePrimary()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected, 2);
            rig.Session.Script(MqttConnectResult.NotAuthorized);
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(2000, 500));
            Assert.AreEqual("online-primary", rig.Manager.StateName);
            Assert.AreEqual(1, rig.Session.CountPasswordConnects());
        }

        [TestMethod]
        public void UntrustedClock_NoConnectionAttempt()
        {
            ConnectionRig rig = new ConnectionRig(new DateTime(2025, 12, 1, 0, 0, 0)); // before the build time
            rig.Build();
            rig.Run(100, 1000);
            Assert.AreEqual(0, rig.Session.Connects.Count);
            Assert.AreEqual("waiting-for-clock", rig.Manager.StateName);
            rig.Clock.UtcNow = new DateTime(2026, 5, 15, 0, 0, 0);
            rig.Tick(100);
            Assert.AreEqual("online-primary", rig.Manager.StateName);
        }

        [TestMethod]
        public void NetworkDown_NoAttempt_ThenConnectsAsSoonAsItIsUp()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            rig.Manager.NetworkUp = false;
            rig.Run(100, 1000);
            Assert.AreEqual(0, rig.Session.Connects.Count);
            rig.Manager.NetworkUp = true;
            rig.Tick(100);
            Assert.AreEqual("online-primary", rig.Manager.StateName);
        }

        [TestMethod]
        public void OfflineTelemetry_IsDeliveredAfterReconnecting_InOrder_AndUnacknowledgedStaysQueued()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            rig.Manager.NetworkUp = false;
            rig.Run(5, 100);
            for (int i = 1; i <= 12; i++)
                rig.Queue.Enqueue(ConnectionRig.Telemetry(i));
            rig.Manager.NetworkUp = true;
            rig.Tick(100); // connect, status, first 8 (TelemetryPerTick)
            Assert.AreEqual(8, rig.Session.CountPublished(Telemetry));
            rig.Session.FailNextPublishes = 1; // no PUBACK for #9
            rig.Tick(100);
            Assert.AreEqual(8, rig.Session.CountPublished(Telemetry));
            Assert.AreEqual(4, rig.Queue.Count);
            rig.Run(3, 100);
            Assert.AreEqual(12, rig.Session.CountPublished(Telemetry));
            for (int i = 0; i < 12; i++)
                Assert.AreEqual("reading " + (i + 1).ToString(), rig.Session.PublishedOn(Telemetry, i).Text);
            Assert.AreEqual(12, rig.Manager.TelemetryDelivered);
        }

        [TestMethod]
        public void RepeatedShortSessions_CountAsTakeovers_AndBackOff()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            int[] gaps = new int[6];
            for (int round = 0; round < 6; round++)
            {
                Assert.IsTrue(rig.RunUntilOnline(100000, 100), "round " + round.ToString());
                rig.Run(20, 100); // 2 s, then another client with our id takes the session over
                rig.Session.Drop();
                rig.Tick(0);
                gaps[round] = rig.Manager.WaitRemainingMs;
            }
            Assert.AreEqual(5, rig.Manager.Takeovers); // the first short session alone is not a takeover
            Assert.IsTrue(gaps[5] > gaps[0] * 4, gaps[0].ToString() + " .. " + gaps[5].ToString());
            Assert.IsTrue(rig.Log.Contains("session takeover suspected"));
            Assert.IsTrue(StatusReport.Parse(rig.Session.LastConnect.Will.Payload).Takeovers >= 4);
        }

        [TestMethod]
        public void ALongSession_ResetsTheTakeoverCountAndTheBackoff()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            Assert.IsTrue(rig.RunUntilOnline(10, 100));
            rig.Run(10, 100);
            rig.Session.Drop();
            Assert.IsTrue(rig.RunUntilOnline(100000, 100));
            rig.Run(400, 100); // 40 s: longer than the takeover window
            rig.Session.Drop();
            Assert.IsTrue(rig.RunUntilOnline(100000, 100));
            rig.Run(10, 100);
            rig.Session.Drop();
            rig.Tick(0);
            Assert.AreEqual(0, rig.Manager.Takeovers);
            Assert.IsTrue(rig.Manager.WaitRemainingMs < 2000); // second failure since the reset, not the third
        }

        [TestMethod]
        public void MessagesOnOwnTopics_AreDispatchedFromTick_OthersDropped()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Build();
            int[] seen = new int[1];
            string[] last = new string[1];
            rig.Manager.MessageReceived += (sender, message) => { seen[0]++; last[0] = message.Topic; };
            rig.Tick(100);
            rig.Session.Deliver("devices/dev-0001/commands", Utf8.GetBytes("x"));
            rig.Session.Deliver("devices/dev-0002/commands", Utf8.GetBytes("x"));
            rig.Session.Deliver("devices/dev-0001/renew/response", Utf8.GetBytes("y"));
            Assert.AreEqual(0, seen[0]); // not from the adapter's call
            rig.Tick(100);
            Assert.AreEqual(2, seen[0]);
            Assert.AreEqual("devices/dev-0001/renew/response", last[0]);
        }

        [TestMethod]
        public void RefusedSubscription_IsRetriedLater()
        {
            ConnectionRig rig = new ConnectionRig();
            rig.Session.RefuseSubscription = "devices/dev-0001/commands";
            rig.Build();
            rig.Tick(100);
            Assert.AreEqual("waiting-to-connect", rig.Manager.StateName);
            Assert.IsFalse(rig.Session.IsConnected);
            rig.Session.RefuseSubscription = null;
            Assert.IsTrue(rig.RunUntilOnline(100, 500));
        }
    }
}
