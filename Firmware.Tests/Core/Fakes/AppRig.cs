using System;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;
using IotDevice.Core.Updates;
using IotDevice.Core.Identity;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// A whole device: <see cref="DeviceApplication"/> over fakes, provisioned as the fleet tool provisions
    /// (slot 0 = <see cref="TestPki.Leaf"/> with key 1, id_act 0, ca_0 = the test root, primary p1/p2, fallback
    /// fb, fb_user = id), the renewal's next generated key = key 2, the clock at 2026-05-15 12:00 (17 days
    /// before the leaf expires: inside the 30-day renewal window).
    /// </summary>
    public sealed class AppRig
    {
        public readonly FakeClock Clock;
        public readonly FakeSecureStore Store = new FakeSecureStore();
        public readonly FakeDeviceKeys Keys;
        public readonly FakeCrypto Crypto = new FakeCrypto();
        public readonly FakeMqttSession Session = new FakeMqttSession();
        public readonly FakeRenewalService Service = new FakeRenewalService();
        public readonly FakeRebooter Rebooter = new FakeRebooter();
        public readonly FakeLog Log = new FakeLog();
        public readonly ConnectionSettings Settings = new ConnectionSettings();
        public readonly RenewalPolicy Policy = new RenewalPolicy();
        public readonly FakeOtaSlots OtaSlots = new FakeOtaSlots(64 * 1024, 32 * 1024);
        public readonly FakeRangeDownloader Downloads = new FakeRangeDownloader();
        public OtaSettings OtaSettings;
        public DeviceApplication App;

        public AppRig()
            : this(new DateTime(2026, 5, 15, 12, 0, 0))
        {
        }

        public AppRig(DateTime now)
        {
            Clock = new FakeClock(now);
            Keys = new FakeDeviceKeys(Store);
            Store.Seed(DeviceStoreKeys.DeviceId, TestPki.DeviceId);
            Store.Seed(DeviceStoreKeys.RootCa0, TestPki.PemOf(TestPki.RootCa));
            Store.Seed(DeviceStoreKeys.PrimaryEndpoints, "p1:8883,p2:8883");
            Store.Seed(DeviceStoreKeys.FallbackEndpoints, "fb:8884");
            Store.Seed(DeviceStoreKeys.FallbackUser, TestPki.DeviceId);
            Store.Seed("id_act", "0");
            Store.Seed("id0_crt", TestPki.PemOf(TestPki.Leaf));
            Store.Seed("id0_chain", TestPki.PemOf(TestPki.IssuingCa));
            Store.Seed("id0_fbpw", "old-password");
            Keys.Provision("id0_key", TestPki.Der(TestPki.Key1PublicKeyInfo));
            Keys.QueueGeneratedKey(TestPki.Der(TestPki.Key2PublicKeyInfo));
            TestPki.RegisterSignatures(Crypto);
            Session.Broker = Service;
            OtaSlots.RunningSlot = 1;
            Store.Seed(OtaStoreKeys.ReleasePublicKey, Pem.Encode(TestPki.Der(TestPki.Key1PublicKeyInfo), "PUBLIC KEY"));
        }

        /// <summary>Serves a release signed by the release key (key 1) on <see cref="Downloads"/>; returns its manifest URL.</summary>
        public string PublishRelease(string version, int appSize, int deploySize)
        {
            byte[] app = OtaRig.App(appSize, 0, version.GetHashCode());
            byte[] deploy = OtaRig.Bytes(deploySize, version.GetHashCode() + 1);
            string dir = OtaRig.Host + version + "/";
            ReleaseManifest m = new ReleaseManifest(version, 0, OtaRig.Board,
                ReleasePart.Download(ReleasePart.AppName, app.Length, OtaRig.Sha(app), dir + "app.bin"),
                ReleasePart.Download(ReleasePart.DeployName, deploy.Length, OtaRig.Sha(deploy), dir + "deploy.bin"));
            byte[] manifest = m.ToBytes();
            byte[] signature = OtaRig.ReleaseSignatureBytes();
            Crypto.AllowSignature(TestPki.Der(TestPki.Key1PublicKeyInfo), manifest, signature);
            Downloads.Serve(dir + "manifest.txt", manifest, "\"m\"");
            Downloads.Serve(ReleaseSignature.SignatureUrl(dir + "manifest.txt"), signature, "\"s\"");
            Downloads.Serve(dir + "app.bin", app, "\"a\"");
            Downloads.Serve(dir + "deploy.bin", deploy, "\"d\"");
            return dir + "manifest.txt";
        }

        public DeviceApplication Build()
        {
            OtaSettings = new OtaSettings(OtaRig.Board, "1.4.2");
            OtaSettings.ChunkSize = 1024;
            OtaSettings.CheckpointBytes = 8192;
            OtaSettings.ReportWindowSeconds = 2;
            OtaSettings.RetryDelaySeconds = 1;
            App = new DeviceApplication(Clock, Store, Keys, Crypto, Session, Rebooter, Log, new DateTime(2026, 1, 1, 0, 0, 0), "1.4.2", OtaSlots.RunningSlot,
                OtaPlatform(), Settings, Policy, 30000, OtaSettings);
            App.NetworkUp = true;
            return App;
        }

        public OtaPlatform OtaPlatform()
        {
            return new OtaPlatform(Downloads, OtaSlots, OtaSlots, OtaSlots);
        }

        public void Tick(int ms)
        {
            App.Tick();
            Clock.AdvanceMs(ms);
        }

        public void Run(int ticks, int msPerTick)
        {
            for (int i = 0; i < ticks; i++)
                Tick(msPerTick);
        }

        public StatusReport LastStatus
        {
            get
            {
                PublishedMessage m = Session.LastPublishedOn("devices/dev-0001/status");
                return m == null ? null : StatusReport.Parse(m.Payload);
            }
        }
    }
}
