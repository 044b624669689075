using System;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Updates
{
    [TestClass]
    public class OtaUpdaterTests
    {
        private const int AppSlot = 64 * 1024;
        private const int DeploySlot = 48 * 1024;

        private static OtaRig Rig()
        {
            return new OtaRig(AppSlot, DeploySlot);
        }

        [TestMethod]
        public void HappyPath_WritesThePairIntoTheInactiveSlots_RecordsTheVersion_AndReboots()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 30000);

            Assert.IsTrue(rig.Trigger());
            string end = rig.Run(500);

            Assert.AreEqual("reboot", end);
            Assert.AreEqual("accepted,downloading,downloaded,verifying,rebooting", rig.OtaHost.Words);
            Assert.IsTrue(rig.Slots.App.Holds(1, rig.AppImage));
            Assert.IsTrue(rig.Slots.Deploy.Holds(1, rig.Deployment));
            Assert.AreEqual("1.1.0", rig.StoredString(OtaStoreKeys.ReleaseOf(1)));
            Assert.AreEqual("1.0.0", rig.StoredString(OtaStoreKeys.ReleaseOf(0)));
            Assert.AreEqual(1, rig.Slots.BootSelections);
            Assert.AreEqual(1, rig.Slots.Ends);
            Assert.AreEqual(1, rig.OtaHost.Releases);
            Assert.AreEqual(1, rig.OtaHost.Restores);
            Assert.IsTrue(rig.OtaHost.MqttOpen);
            Assert.AreEqual(1, rig.Server.MaxOpenStreams, "one HTTPS session at a time");
            Assert.AreEqual(0, rig.Server.OpenStreams);
            Assert.IsFalse(rig.OtaHost.HttpsOpenAtRestore, "the kept-alive HTTPS connection is closed before MQTT comes back");
            // booted into the new pair, on trial
            Assert.AreEqual(1, rig.Slots.RunningSlot);
            Assert.AreEqual((int)OtaImageState.PendingVerify, (int)rig.Slots.RunningState);
        }

        [TestMethod]
        public void HappyPath_NetworkIsReleasedOnlyAfterAcceptedWasPublished()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 8000, 8000);
            rig.Trigger();

            Assert.AreEqual("accepted", rig.OtaHost.LastWord);
            Assert.IsTrue(rig.OtaHost.MqttOpen);
            Assert.AreEqual(0, rig.Server.Opens, "no HTTPS while MQTT is open");
            rig.Run(500);
            Assert.IsTrue(rig.Server.Opens >= 4);
        }

        [TestMethod]
        public void FirstBootOfTheNewPair_StatusOnPrimary_Confirms()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            Assert.AreEqual("reboot", rig.Run(500));

            rig.NewUpdater();
            Assert.AreEqual("idle", rig.Run(100));

            Assert.AreEqual(1, rig.Slots.MarkedValid);
            Assert.AreEqual("confirmed", rig.Updater.Status);
            Assert.AreEqual("confirmed", rig.StoredString(OtaStoreKeys.LastOutcome));
            Assert.IsNull(rig.StoredString(OtaStoreKeys.Progress));
            rig.Slots.Boot();
            Assert.AreEqual(1, rig.Slots.RunningSlot);
        }

        [TestMethod]
        public void FirstBootOfTheNewPair_NoStatusWithinTheWindow_RollsBack()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            rig.Run(500);

            rig.AutoPublish = false;
            rig.NewUpdater();
            Assert.AreEqual("reboot", rig.Run(2000));

            Assert.AreEqual(0, rig.Slots.MarkedValid);
            Assert.AreEqual(1, rig.Slots.MarkedInvalid);
            Assert.AreEqual(0, rig.Slots.RunningSlot);
            Assert.AreEqual("rolled-back", rig.StoredString(OtaStoreKeys.LastOutcome));
            // The old pair reports the rollback and does not try to install the release again.
            rig.NewUpdater();
            Assert.AreEqual("idle", rig.Run(10));
            Assert.AreEqual("rolled-back", rig.Updater.Status);
            Assert.IsNull(rig.StoredString(OtaStoreKeys.Progress));
            Assert.AreEqual(1, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void FirstBootOfTheNewPair_StatusOnlyOnTheFallback_FailsTheSelfTest()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            rig.Run(500);

            rig.PublishOnPrimary = false;
            rig.NewUpdater();
            Assert.AreEqual("reboot", rig.Run(2000));
            Assert.AreEqual(1, rig.Slots.MarkedInvalid);
            Assert.AreEqual(0, rig.Slots.RunningSlot);
        }

        [TestMethod]
        public void SelfTest_TimesOutAfterTheConfiguredWindow_NotBefore()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            rig.Run(500);

            rig.AutoPublish = false;
            rig.NewUpdater();
            rig.Settings.SelfTestWindowSeconds = 30;
            rig.Updater.Tick();
            rig.Clock.AdvanceSeconds(20);
            rig.Updater.Tick();
            rig.Clock.AdvanceSeconds(9);
            rig.Updater.Tick();
            Assert.AreEqual((int)OtaPhase.SelfTest, (int)rig.Updater.Phase, "29 s: still on trial");
            rig.Clock.AdvanceSeconds(2);
            Assert.ThrowsException(typeof(FakeRebootException), () => rig.Updater.Tick());
            Assert.AreEqual(1, rig.Slots.MarkedInvalid);
        }

        [TestMethod]
        public void SelfTest_AClockStepIsNotElapsedTime()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            rig.Run(500);

            rig.AutoPublish = false;
            rig.NewUpdater();
            rig.Updater.Tick();
            rig.Clock.UtcNow = rig.Clock.UtcNow.AddDays(400); // SNTP sets the RTC
            rig.Updater.Tick();
            rig.Clock.UtcNow = rig.Clock.UtcNow.AddDays(-3);
            rig.Updater.Tick();
            Assert.AreEqual((int)OtaPhase.SelfTest, (int)rig.Updater.Phase);
            rig.Updater.OnStatusPublished(true);
            rig.Updater.Tick();
            Assert.AreEqual("confirmed", rig.Updater.Status);
        }

        [TestMethod]
        public void PowerCutDuringTheTrial_BootloaderRollsBack_OldPairReportsIt()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            rig.Trigger();
            rig.Run(500);
            rig.AutoPublish = false;
            rig.NewUpdater();
            rig.Run(3);

            rig.Slots.Boot(); // power cut before the self-test decided: the bootloader aborts the trial
            rig.NewUpdater();
            rig.Run(5);

            Assert.AreEqual(0, rig.Slots.RunningSlot);
            Assert.AreEqual("rolled-back", rig.Updater.Status);
        }

        // ---- refusals: each with its reason, nothing erased, MQTT back ----

        private static void AssertRefused(OtaRig rig, string reason)
        {
            rig.Trigger();
            Assert.AreEqual("idle", rig.Run(200));
            Assert.AreEqual("rejected:" + reason, rig.Updater.Status);
            Assert.AreEqual("rejected:" + reason, rig.StoredString(OtaStoreKeys.LastOutcome));
            Assert.AreEqual(0, rig.Slots.Erases, "nothing erased");
            Assert.AreEqual(0, rig.Slots.Writes, "nothing written");
            Assert.AreEqual(0, rig.Slots.Begins);
            Assert.AreEqual(0, rig.Slots.BootSelections);
            Assert.IsNull(rig.StoredString(OtaStoreKeys.ReleaseOf(1)));
            Assert.IsNull(rig.StoredString(OtaStoreKeys.Progress));
            Assert.IsTrue(rig.OtaHost.MqttOpen);
            Assert.AreEqual(rig.OtaHost.Releases, rig.OtaHost.Restores);
            Assert.AreEqual(0, rig.Server.OpenStreams);
        }

        [TestMethod]
        public void Refuses_AnUnsignedManifest()
        {
            OtaRig rig = Rig();
            rig.PublishCustom("1.1.0", 0, OtaRig.Board, OtaRig.App(9000, 0, 1), OtaRig.Bytes(9000, 2), false);
            AssertRefused(rig, "bad-signature");
            Assert.AreEqual(0, rig.Server.OffsetsOf(rig.AppUrl).Length, "the part was never requested");
        }

        [TestMethod]
        public void Refuses_AManifestSignedByAnotherKey()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            rig.Store.Seed(OtaStoreKeys.ReleasePublicKey, IotDevice.Core.Identity.Pem.Encode(TestPki.Der(TestPki.Key2PublicKeyInfo), "PUBLIC KEY"));
            AssertRefused(rig, "bad-signature");
        }

        [TestMethod]
        public void Refuses_WithoutAProvisionedReleaseKey()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            rig.Store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleasePublicKey);
            rig.Store.ClearWriteLog();
            AssertRefused(rig, "no-release-key");
        }

        [TestMethod]
        public void Refuses_ASignedManifestThatDoesNotParse()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            byte[] bad = IotDevice.Core.Messaging.Utf8.GetBytes("iotdevice-release-v1\nversion=1.1.0\nsecure-version=0\nboard=lolin32\nbogus=1\n");
            rig.ServeManifest(bad, true);
            AssertRefused(rig, "unknown-field");
        }

        [TestMethod]
        public void Refuses_AnotherBoard()
        {
            OtaRig rig = Rig();
            rig.PublishCustom("1.1.0", 0, "esp32-c3-devkit", OtaRig.App(9000, 0, 1), OtaRig.Bytes(9000, 2), true);
            AssertRefused(rig, "wrong-board");
        }

        [TestMethod]
        [DataRow("1.0.0")]
        [DataRow("0.9.9")]
        public void Refuses_AVersionNotNewerThanTheRunningPairsRecord(string version)
        {
            OtaRig rig = Rig();
            rig.Publish(version, 0, 9000, 9000);
            AssertRefused(rig, "not-newer");
        }

        [TestMethod]
        public void Refuses_ADowngradeBelowTheRecord_EvenWhenTheBuiltVersionIsOlder()
        {
            OtaRig rig = Rig();
            rig.Store.Seed(OtaStoreKeys.ReleaseOf(0), "2.0.0");
            rig.Publish("1.5.0", 0, 9000, 9000);
            AssertRefused(rig, "not-newer");
        }

        [TestMethod]
        public void Refuses_ASecureVersionBelowTheEfuse()
        {
            OtaRig rig = Rig();
            rig.Slots.SecureVersionFloor = 3;
            rig.Publish("1.1.0", 2, 9000, 9000);
            AssertRefused(rig, "secure-version");
        }

        [TestMethod]
        public void Refuses_AnAppLargerThanItsSlot()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, AppSlot + 16, 9000);
            AssertRefused(rig, "app-too-large");
        }

        [TestMethod]
        public void Refuses_ADeploymentLargerThanItsSlot()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, DeploySlot + 1);
            AssertRefused(rig, "deploy-too-large");
        }

        [TestMethod]
        public void Refuses_ANonHttpsUrl_WithoutTouchingTheNetwork()
        {
            OtaRig rig = Rig();
            Assert.IsFalse(rig.Updater.Trigger("http://fw.example/releases/1.1.0/manifest.txt"));
            Assert.AreEqual("rejected:bad-url", rig.Updater.Status);
            Assert.AreEqual(0, rig.OtaHost.Releases);
            Assert.AreEqual(0, rig.Server.Opens);
        }

        [TestMethod]
        public void ServerUnreachable_GivesUpAfterTheAttempts_NothingErased()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            rig.Server.Unreachable = true;
            AssertRefused(rig, "download-failed");
            Assert.AreEqual(rig.Settings.MaxAttempts, rig.Server.Opens);
        }

        [TestMethod]
        public void TriggerWhileBusy_IsIgnored()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            Assert.IsTrue(rig.Trigger());
            Assert.IsFalse(rig.Trigger());
            Assert.AreEqual("accepted", rig.Updater.Status);
        }

        // ---- streaming failures after the erase ----

        [TestMethod]
        public void HashMismatch_IsRejected_TheSlotIsNeverSelected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            byte[] evil = (byte[])rig.AppImage.Clone();
            evil[15000] ^= 0x40;
            rig.Server.Serve(rig.AppUrl, evil, "\"app-1.1.0\"");

            rig.Trigger();
            Assert.AreEqual("idle", rig.Run(500));

            Assert.AreEqual("rejected:app-hash-mismatch", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
            Assert.AreEqual(1, rig.Slots.Aborts);
            Assert.IsNull(rig.StoredString(OtaStoreKeys.ReleaseOf(1)));
            Assert.IsNull(rig.StoredString(OtaStoreKeys.Progress));
            Assert.AreEqual(0, rig.Server.OffsetsOf(rig.DeployUrl).Length, "deploy never fetched after a bad app");
        }

        [TestMethod]
        public void DeployHashMismatch_IsRejected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 20000);
            byte[] evil = (byte[])rig.Deployment.Clone();
            evil[19999] ^= 0x01;
            rig.Server.Serve(rig.DeployUrl, evil, "\"deploy-1.1.0\"");

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:deploy-hash-mismatch", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void TruncatedPart_IsRejected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 20000, 9000);
            byte[] cut = new byte[12000];
            Array.Copy(rig.AppImage, cut, cut.Length);
            rig.Server.Serve(rig.AppUrl, cut, "\"app-1.1.0\"");

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:app-truncated", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
            Assert.AreEqual(0, rig.Slots.App.Writes);
        }

        [TestMethod]
        public void PartLargerThanTheManifestSays_IsRejected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            byte[] longer = new byte[9100];
            Array.Copy(rig.Deployment, longer, 9000);
            rig.Server.Serve(rig.DeployUrl, longer, "\"d\"");

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:deploy-size-mismatch", rig.Updater.Status);
        }

        [TestMethod]
        public void AppImageThatDoesNotVerify_IsNeverSelected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 9000, 9000);
            rig.Slots.EndResult = false;

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:app-image-invalid", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
            Assert.IsNull(rig.StoredString(OtaStoreKeys.ReleaseOf(1)));
        }

        [TestMethod]
        public void AppWithoutAnImageHead_IsRejectedAtTheFirstChunk()
        {
            OtaRig rig = Rig();
            rig.PublishCustom("1.1.0", 0, OtaRig.Board, OtaRig.Bytes(20000, 5), OtaRig.Bytes(9000, 2), true);

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:app-not-an-image", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.App.Writes);
        }

        [TestMethod]
        public void AppWhoseSecureVersionDiffersFromTheManifest_IsRejected()
        {
            OtaRig rig = Rig();
            rig.PublishCustom("1.1.0", 3, OtaRig.Board, OtaRig.App(20000, 1, 5), OtaRig.Bytes(9000, 2), true);

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:app-secure-version-mismatch", rig.Updater.Status);
        }

        [TestMethod]
        public void BootSlotRefused_RestoresTheRecord()
        {
            OtaRig rig = Rig();
            rig.Store.Seed(OtaStoreKeys.ReleaseOf(1), "0.9.0");
            rig.Publish("1.1.0", 0, 9000, 9000);
            rig.Slots.SetBootResult = false;

            rig.Trigger();
            rig.Run(500);

            Assert.AreEqual("rejected:boot-refused", rig.Updater.Status);
            Assert.AreEqual("0.9.0", rig.StoredString(OtaStoreKeys.ReleaseOf(1)));
        }

        // ---- resume ----

        [TestMethod]
        public void DroppedConnections_ResumeWithRangeAndIfRange_SameHashes()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 30000);
            rig.Server.DropAt(rig.AppUrl, 10500);
            rig.Server.DropAt(rig.AppUrl, 33000);
            rig.Server.DropAt(rig.DeployUrl, 100);
            rig.Server.DropAt(rig.DeployUrl, 29999);

            rig.Trigger();
            Assert.AreEqual("reboot", rig.Run(1000));

            Assert.IsTrue(rig.Slots.App.Holds(1, rig.AppImage));
            Assert.IsTrue(rig.Slots.Deploy.Holds(1, rig.Deployment));
            // resumed at the written (chunk-aligned) offsets, never from 0 after progress
            Assert.AreEqual("0,10240,32768", rig.Server.OffsetsOf(rig.AppUrl));
            Assert.AreEqual("0,0,29696", rig.Server.OffsetsOf(rig.DeployUrl));
            bool sawIfRange = false;
            for (int i = 0; i < rig.Server.RequestCount; i++)
            {
                if (rig.Server.Request(i) == rig.AppUrl + " 10240 \"app-1.1.0\"")
                    sawIfRange = true;
            }
            Assert.IsTrue(sawIfRange, "the resumed request carries If-Range with the ETag");
            Assert.AreEqual(1, rig.Slots.Begins, "no second erase for a drop");
            Assert.AreEqual(1, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void ChangedFileOnTheServer_DuringResume_IsNotSpliced()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 9000);
            rig.Server.DropAt(rig.AppUrl, 20000);
            rig.Trigger();
            // run until the drop happened, then the operator replaces the file (new ETag)
            for (int i = 0; i < 200 && rig.Updater.Phase != OtaPhase.RetryWait; i++)
            {
                rig.Updater.Tick();
                if (rig.OtaHost.MqttOpen)
                    rig.Updater.OnStatusPublished(true);
                rig.Clock.AdvanceMs(100);
            }
            byte[] other = OtaRig.App(40000, 0, 99);
            rig.Server.Serve(rig.AppUrl, other, "\"app-other\"");
            rig.Run(1000);

            Assert.AreEqual("rejected:download-failed", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void RebootMidDownload_ResumesFromTheCheckpoint_AndRehashesTheWrittenPrefix()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 30000);
            rig.Slots.App.CutAtWrite = 30; // power cut in the 30th app chunk write (offset 29 KB)

            rig.Trigger();
            Assert.AreEqual("cut", rig.Run(1000));
            string progress = rig.StoredString(OtaStoreKeys.Progress);
            Assert.IsNotNull(progress);
            Assert.Contains("part=app\n", progress);
            Assert.Contains("offset=24576\n", progress);

            rig.NewUpdater();
            Assert.AreEqual("reboot", rig.Run(1000));

            Assert.EndsWith(",downloading,downloaded,verifying,rebooting", rig.OtaHost.Words);
            Assert.IsTrue(rig.Slots.App.Holds(1, rig.AppImage));
            Assert.IsTrue(rig.Slots.Deploy.Holds(1, rig.Deployment));
            Assert.AreEqual(1, rig.Slots.Resumes);
            Assert.AreEqual(24576, rig.Slots.LastResumeOffset);
            Assert.AreEqual("0,24576", rig.Server.OffsetsOf(rig.AppUrl));
            Assert.AreEqual(1, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void RebootMidDeployment_RehashesTheAppAndTheDeployPrefix()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 30000);
            rig.Slots.Deploy.CutAtWrite = 20;

            rig.Trigger();
            Assert.AreEqual("cut", rig.Run(1000));
            Assert.Contains("part=deploy\n", rig.StoredString(OtaStoreKeys.Progress));

            rig.NewUpdater();
            Assert.AreEqual("reboot", rig.Run(1000));

            Assert.IsTrue(rig.Slots.Deploy.Holds(1, rig.Deployment));
            Assert.AreEqual("0,16384", rig.Server.OffsetsOf(rig.DeployUrl));
            Assert.AreEqual("0", rig.Server.OffsetsOf(rig.AppUrl), "the app is not downloaded again");
            Assert.AreEqual(1, rig.Slots.Ends);
        }

        [TestMethod]
        public void RebootMidDownload_WithAFlashPrefixThatNoLongerHashes_IsRejected()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 30000);
            rig.Slots.Deploy.CutAtWrite = 3;
            rig.Trigger();
            Assert.AreEqual("cut", rig.Run(1000));
            rig.Slots.App.Slot(1)[5000] ^= 0x10; // the app in flash was altered while the device was off

            rig.NewUpdater();
            rig.Run(1000);

            Assert.AreEqual("rejected:app-hash-mismatch", rig.Updater.Status);
            Assert.AreEqual(0, rig.Slots.BootSelections);
        }

        [TestMethod]
        public void RebootMidDownload_WithANewManifestAtTheUrl_StartsOver()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 40000, 9000);
            rig.Slots.App.CutAtWrite = 20;
            rig.Trigger();
            Assert.AreEqual("cut", rig.Run(1000));

            // Same URL, another signed manifest (say the release was rebuilt).
            string url = rig.ManifestUrl;
            rig.PublishCustom("1.1.0", 0, OtaRig.Board, OtaRig.App(30000, 0, 7), OtaRig.Bytes(9000, 8), true);
            Assert.AreEqual(url, rig.ManifestUrl);
            rig.NewUpdater();
            Assert.AreEqual("reboot", rig.Run(1000));

            Assert.AreEqual(0, rig.Slots.Resumes);
            Assert.AreEqual(2, rig.Slots.Begins);
            Assert.IsTrue(rig.Slots.App.Holds(1, rig.AppImage));
        }

        [TestMethod]
        public void UnreadableProgressRecord_IsDiscarded()
        {
            OtaRig rig = Rig();
            rig.Store.Seed(OtaStoreKeys.Progress, "garbage");
            rig.NewUpdater();
            Assert.AreEqual("idle", rig.Run(5));
            Assert.IsNull(rig.StoredString(OtaStoreKeys.Progress));
            Assert.AreEqual(0, rig.Server.Opens);
        }

        [TestMethod]
        public void Checkpoints_AreSectorAligned_AndBoundedPerPart()
        {
            OtaRig rig = Rig();
            rig.Publish("1.1.0", 0, 60000, 40000);
            rig.Trigger();
            rig.Run(1000);

            int progressWrites = 0;
            for (int i = 0; i < rig.Store.WriteCount; i++)
            {
                if (rig.Store.Write(i) == "set iotdev/" + OtaStoreKeys.Progress)
                    progressWrites++;
            }
            // start + app checkpoints every 8 KB (7) + app done + deploy checkpoints (4) + deploy done + boot
            Assert.IsTrue(progressWrites <= 2 * rig.Settings.MaxCheckpointsPerPart + 4, "progress writes: " + progressWrites.ToString());
            Assert.IsTrue(progressWrites >= 8, "progress writes: " + progressWrites.ToString());
        }

        [TestMethod]
        public void ProgressRecord_RoundTrips()
        {
            OtaProgress p = new OtaProgress();
            p.Stage = OtaProgress.StageDownload;
            p.ManifestSha256 = OtaRig.Sha(new byte[] { 1, 2, 3 });
            p.Url = "https://fw.example/releases/1.1.0/manifest.txt";
            p.Slot = 1;
            p.Part = "deploy";
            p.Offset = 65536;
            p.ETag = "\"abc\"";

            OtaProgress q = OtaProgress.TryParse(p.ToText());

            Assert.IsNotNull(q);
            Assert.AreEqual(p.ToText(), q.ToText());
            Assert.AreEqual(65536, q.Offset);
            Assert.IsTrue(p.ToText().Length < 300, "small single-page string");
            p.ETag = null;
            string text = p.ToText();
            int at = text.IndexOf("offset=");
            Assert.IsNull(OtaProgress.TryParse(text.Substring(0, at) + "offset=065536\n"), "non-canonical number");
            at = text.IndexOf("part=");
            Assert.IsNull(OtaProgress.TryParse(text.Substring(0, at) + "part=boot\noffset=65536\n"), "unknown part");
            Assert.IsNull(OtaProgress.TryParse(text.Substring(0, text.Length - 1)), "truncated");
        }

        [TestMethod]
        public void OtaCommand_ParsesTheManifestUrl()
        {
            byte[] cmd = OtaCommand.Build("https://fw.example/releases/1.1.0/manifest.txt");
            Assert.AreEqual("https://fw.example/releases/1.1.0/manifest.txt", OtaCommand.TryGetManifestUrl(cmd));
            Assert.IsNull(OtaCommand.TryGetManifestUrl(IotDevice.Core.Messaging.Utf8.GetBytes("iotdevice-command-v1\nkind=reboot\n")));
            Assert.IsNull(OtaCommand.TryGetManifestUrl(IotDevice.Core.Messaging.Utf8.GetBytes("kind=ota\n")));
        }
    }
}
