using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.App
{
    [TestClass]
    public class DeviceApplicationTests
    {
        private const string Telemetry = "devices/dev-0001/telemetry";

        [TestMethod]
        public void FullCycle_RejectedOnPrimary_Fallback_Renewal_PrimaryWithTheNewIdentity_EveryMessageDelivered()
        {
            AppRig rig = new AppRig();
            rig.Service.PrimaryAcceptsOld = false; // the old certificate is revoked/unknown at the primary
            rig.Build();
            for (int i = 1; i <= 20; i++)
                Assert.IsTrue(rig.App.EnqueueTelemetry(Utf8.GetBytes("m" + i.ToString())));

            rig.Run(200, 500);

            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual(TestPki.LeafNewSerial, rig.App.ActiveSerial);
            Assert.AreEqual("renewed", rig.App.RenewalOutcome);
            // primary x2 (rejected) → fallback (password of slot 0) → trial probe → primary with the new identity
            Assert.AreEqual(5, rig.Session.Connects.Count);
            Assert.AreEqual((int)MqttConnectResult.ClientCertificateRejected, (int)rig.Session.Connect(0).Result);
            Assert.AreEqual((int)MqttConnectResult.ClientCertificateRejected, (int)rig.Session.Connect(1).Result);
            Assert.AreEqual("fb", rig.Session.Connect(2).Endpoint.Host);
            Assert.AreEqual("old-password", rig.Session.Connect(2).Credentials.Password);
            Assert.IsTrue(rig.Session.Connect(3).CertificateText.IndexOf(TestPki.PemOf(TestPki.LeafNew)) == 0);
            Assert.IsTrue(rig.Session.Connect(4).CertificateText.IndexOf(TestPki.PemOf(TestPki.LeafNew)) == 0);
            Assert.AreEqual(2, rig.Service.Requests.Count);
            Assert.IsTrue(rig.Service.AllPopsValid);

            Assert.AreEqual(20, rig.Session.CountPublished(Telemetry));
            for (int i = 0; i < 20; i++)
                Assert.AreEqual("m" + (i + 1).ToString(), rig.Session.PublishedOn(Telemetry, i).Text);
            Assert.AreEqual(0, rig.App.QueuedTelemetry);
            Assert.AreEqual(0, rig.App.DroppedTelemetry);

            StatusReport status = rig.LastStatus;
            Assert.AreEqual("online", status.State);
            Assert.AreEqual("1.4.2", status.Version);
            Assert.AreEqual(1, status.Slot);
            Assert.AreEqual(TestPki.LeafNewSerial, status.Serial);
            Assert.AreEqual("2027-05-01T00:00:00Z", status.NotAfter);
            Assert.AreEqual("renewed", status.Renewal);
            Assert.AreEqual("none", status.Ota);
        }

        [TestMethod]
        public void TelemetryIsNeverSentOnTheFallback()
        {
            AppRig rig = new AppRig();
            rig.Service.PrimaryAcceptsOld = false;
            rig.Service.Silent = true; // the renewal service does not answer: the device stays on the fallback a while
            rig.Build();
            rig.App.EnqueueTelemetry(Utf8.GetBytes("m1"));
            rig.Run(40, 500);
            Assert.AreEqual("online-fallback", rig.App.StateName);
            Assert.AreEqual(0, rig.Session.CountPublished(Telemetry));
            Assert.AreEqual(1, rig.App.QueuedTelemetry);
        }

        [TestMethod]
        public void StandingOkOnTheFallback_GoesBackToThePrimary()
        {
            AppRig rig = new AppRig();
            rig.Service.StandingStatus = "ok";
            rig.Session.Script(MqttConnectResult.ClientCertificateRejected, 2); // a transient rejection
            rig.Build();
            rig.Run(60, 500);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual("ok", rig.App.RenewalOutcome);
            Assert.AreEqual(TestPki.LeafSerial, rig.App.ActiveSerial);
            Assert.AreEqual(1, rig.Session.CountPasswordConnects());
        }

        [TestMethod]
        public void ConfigurationErrors_KeepTheDeviceOffline_AndSayWhy()
        {
            AppRig rig = new AppRig();
            rig.Store.Seed(DeviceStoreKeys.PrimaryEndpoints, "broker");
            rig.Build();
            rig.Run(10, 1000);
            Assert.AreEqual("config-error", rig.App.StateName);
            Assert.Contains("ep_primary", rig.App.ConfigurationError);
            Assert.AreEqual(0, rig.Session.Connects.Count);
            Assert.IsTrue(rig.Log.Contains("port is missing"));

            AppRig noCa = new AppRig();
            noCa.Store.Seed(DeviceStoreKeys.RootCa0, "");
            noCa.Build();
            Assert.Contains("ca_0", noCa.App.ConfigurationError);

            AppRig badId = new AppRig();
            badId.Store.Seed(DeviceStoreKeys.DeviceId, "Dev_1");
            badId.Build();
            Assert.Contains("dev_id", badId.App.ConfigurationError);
        }

        [TestMethod]
        public void SecondPinnedRoot_IsPartOfTheTlsBundle()
        {
            AppRig rig = new AppRig();
            rig.Store.Seed(DeviceStoreKeys.RootCa1, TestPki.PemOf(TestPki.OtherRootCa));
            rig.Build();
            rig.Tick(100);
            string bundle = Utf8.GetString(rig.Session.Connect(0).Endpoint.CaCertificatePem);
            Assert.AreEqual(TestPki.PemOf(TestPki.RootCa) + TestPki.PemOf(TestPki.OtherRootCa), bundle);
        }

        [TestMethod]
        public void CommandsAreCounted()
        {
            AppRig rig = new AppRig(new DateTime(2026, 3, 1, 0, 0, 0));
            rig.Build();
            rig.Tick(100);
            rig.Session.Deliver("devices/dev-0001/commands", Utf8.GetBytes("reboot"));
            rig.Tick(100);
            Assert.AreEqual(1, rig.App.CommandsReceived);
            Assert.AreEqual("reboot", Utf8.GetString(rig.App.LastCommand));
        }

        [TestMethod]
        public void OtaCommand_TriggersTheUpdate_MqttClosedWhileDownloading_ReopenedAfter_StatusShowsTheWords()
        {
            AppRig rig = new AppRig(new DateTime(2026, 3, 1, 0, 0, 0)); // outside the renewal window
            string url = rig.PublishRelease("1.5.0", 20 * 1024, 10 * 1024);
            rig.Build();
            rig.Run(20, 100);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual("none", rig.LastStatus.Ota);
            int connectsBefore = rig.Session.Connects.Count;

            rig.Session.Deliver("devices/dev-0001/commands", OtaCommand.Build(url));
            bool sawHeld = false;
            bool mqttDuringDownload = false;
            for (int i = 0; i < 400 && rig.Rebooter.Reboots == 0; i++)
            {
                rig.Tick(100);
                if (rig.App.Connection.IsHeld)
                {
                    sawHeld = true;
                    Assert.AreEqual("held-for-update", rig.App.StateName);
                    if (rig.Session.IsConnected)
                        mqttDuringDownload = true;
                }
                if (rig.Downloads.OpenStreams > 0 && rig.Session.IsConnected)
                    mqttDuringDownload = true;
            }
            Assert.AreEqual(1, rig.App.CommandsReceived);
            Assert.AreEqual(1, rig.App.OtaCommandsAccepted);
            Assert.IsTrue(sawHeld);
            Assert.IsFalse(mqttDuringDownload, "MQTT open while the download had the network");
            Assert.AreEqual(1, rig.Rebooter.Reboots);
            // connected before, closed for the download, reopened once for "rebooting"
            Assert.AreEqual(connectsBefore + 1, rig.Session.Connects.Count);
            Assert.IsFalse(rig.App.Connection.IsHeld);
            Assert.AreEqual("rebooting", rig.LastStatus.Ota);
            Assert.IsTrue(StatusWords(rig).IndexOf("accepted") >= 0, StatusWords(rig));
            Assert.IsTrue(StatusWords(rig).IndexOf("accepted") < StatusWords(rig).IndexOf("rebooting"), StatusWords(rig));
            Assert.AreEqual("1.5.0", rig.Store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleaseOf(0)));

            // The bootloader boots the new pair on trial; the new firmware's app confirms it after its status reached the primary.
            rig.OtaSlots.Boot();
            Assert.AreEqual(0, rig.OtaSlots.RunningSlot);
            rig.Session.Disconnect();
            rig.Build();
            rig.Run(40, 100);
            Assert.AreEqual("online-primary", rig.App.StateName);
            Assert.AreEqual(1, rig.OtaSlots.MarkedValid);
            Assert.AreEqual("confirmed", rig.App.Ota);
            Assert.AreEqual("confirmed", rig.LastStatus.Ota);
            Assert.AreEqual(0, rig.LastStatus.Slot);
        }

        [TestMethod]
        public void OtherCommands_DoNotTriggerAnUpdate()
        {
            AppRig rig = new AppRig(new DateTime(2026, 3, 1, 0, 0, 0));
            rig.Build();
            rig.Run(20, 100);
            rig.Session.Deliver("devices/dev-0001/commands", Utf8.GetBytes("iotdevice-command-v1\nkind=reboot\n"));
            rig.Run(20, 100);
            Assert.AreEqual(1, rig.App.CommandsReceived);
            Assert.AreEqual(0, rig.App.OtaCommandsAccepted);
            Assert.AreEqual((int)OtaPhase.Idle, (int)rig.App.Updater.Phase);
            Assert.AreEqual("online-primary", rig.App.StateName);
        }

        private static string StatusWords(AppRig rig)
        {
            string words = "";
            int n = rig.Session.CountPublished("devices/dev-0001/status");
            for (int i = 0; i < n; i++)
            {
                StatusReport s = StatusReport.Parse(rig.Session.PublishedOn("devices/dev-0001/status", i).Payload);
                words = words + s.Ota + ",";
            }
            return words;
        }
    }
}
