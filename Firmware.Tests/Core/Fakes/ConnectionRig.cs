using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// A connection manager wired to fakes as the device wires it: provisioned NVS (slot 0 = <see cref="TestPki.Leaf"/>,
    /// valid 2025-06-01..2026-06-01), primary nodes p1:8883 and p2:8883, fallback fb:8884, the clock at
    /// 2026-05-15 12:00 (trusted), network up.
    /// </summary>
    public sealed class ConnectionRig : IStatusSource
    {
        public const string PrimaryList = "p1:8883,p2:8883";
        public const string FallbackList = "fb:8884";

        public readonly FakeClock Clock = new FakeClock(new DateTime(2026, 5, 15, 12, 0, 0));
        public readonly FakeSecureStore Store;
        public readonly FakeLog Log = new FakeLog();
        public readonly FakeMqttSession Session = new FakeMqttSession();
        public readonly TelemetryQueue Queue = new TelemetryQueue(1024, 64);
        public readonly DeviceTopics Topics = new DeviceTopics(TestPki.DeviceId);
        public readonly ConnectionSettings Settings = new ConnectionSettings();
        public readonly IdentityStore Identities;
        public readonly TimeGuard Time;
        public readonly byte[] CaBundle;
        public ConnectionManager Manager;

        public ConnectionRig()
            : this(new DateTime(2026, 5, 15, 12, 0, 0))
        {
        }

        public ConnectionRig(DateTime now)
        {
            Clock.UtcNow = now;
            Store = new FakeSecureStore();
            Store.Seed("dev_id", TestPki.DeviceId);
            Store.Seed("id_act", "0");
            Store.Seed("id0_crt", TestPki.PemOf(TestPki.Leaf));
            Store.Seed("id0_chain", TestPki.PemOf(TestPki.IssuingCa));
            Store.Seed("id0_key", "-----BEGIN EC PRIVATE KEY-----\nK1\n-----END EC PRIVATE KEY-----\n");
            Store.Seed("id0_fbpw", "old-password");
            Identities = new IdentityStore(Store, Log);
            Identities.Load();
            Time = new TimeGuard(Clock, Store, new DateTime(2026, 1, 1, 0, 0, 0), Log);
            CaBundle = Utf8.GetBytes(TestPki.PemOf(TestPki.RootCa));
        }

        /// <summary>Creates the manager (after the test adjusted <see cref="Settings"/>).</summary>
        public ConnectionManager Build()
        {
            Manager = new ConnectionManager(Session, Clock, Time, Topics, EndpointList.Parse(PrimaryList), EndpointList.Parse(FallbackList),
                CaBundle, Identities, TestPki.DeviceId, Queue, this, Log, Settings, new Random(42));
            Manager.NetworkUp = true;
            return Manager;
        }

        /// <summary>One main-loop pass, then the clock moves <paramref name="ms"/>.</summary>
        public void Tick(int ms)
        {
            Time.Tick();
            Manager.Tick();
            Clock.AdvanceMs(ms);
        }

        public void Run(int ticks, int msPerTick)
        {
            for (int i = 0; i < ticks; i++)
                Tick(msPerTick);
        }

        /// <summary>Runs until the manager is online (or <paramref name="maxTicks"/> passed); true when online.</summary>
        public bool RunUntilOnline(int maxTicks, int msPerTick)
        {
            for (int i = 0; i < maxTicks; i++)
            {
                Tick(msPerTick);
                if (Manager.IsOnline)
                    return true;
            }
            return false;
        }

        public int StatusPublishes;

        public void StatusPublished(bool onPrimary)
        {
            StatusPublishes++;
        }

        public byte[] BuildStatus(bool online)
        {
            StatusReport s = new StatusReport();
            s.State = online ? "online" : "offline";
            s.Version = "1.0.0";
            s.Serial = Identities.Active.Serial;
            s.NotAfter = Identities.Active.NotAfterText;
            s.Takeovers = Manager == null ? 0 : Manager.Takeovers;
            s.Dropped = Queue.Dropped;
            return s.ToBytes();
        }

        public static byte[] Telemetry(int n)
        {
            return Utf8.GetBytes("reading " + n.ToString());
        }
    }
}
