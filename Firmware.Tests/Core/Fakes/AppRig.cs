using System;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;

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
        }

        public DeviceApplication Build()
        {
            App = new DeviceApplication(Clock, Store, Keys, Crypto, Session, Rebooter, Log, new DateTime(2026, 1, 1, 0, 0, 0), "1.4.2", 1, Settings, Policy, 30000);
            App.NetworkUp = true;
            return App;
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
