using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Platform;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Connectivity
{
    [TestClass]
    public class TimeGuardTests
    {
        private static readonly DateTime Build = new DateTime(2026, 3, 1, 12, 0, 0);

        [TestMethod]
        public void UnsynchronisedClock_IsNotTrusted()
        {
            FakeClock clock = new FakeClock(new DateTime(2026, 4, 1, 0, 0, 0));
            clock.IsSynchronized = false;
            TimeGuard guard = new TimeGuard(clock, new FakeSecureStore(), Build, new FakeLog());
            guard.Tick();
            Assert.IsFalse(guard.IsTrusted);
        }

        [TestMethod]
        public void ClockBeforeTheBuildTime_IsRejected()
        {
            FakeClock clock = new FakeClock(new DateTime(2025, 1, 1, 0, 0, 0));
            FakeLog log = new FakeLog();
            TimeGuard guard = new TimeGuard(clock, new FakeSecureStore(), Build, log);
            guard.Tick();
            Assert.IsFalse(guard.IsTrusted);
            Assert.IsTrue(log.Contains("rejected"));
        }

        [TestMethod]
        public void ClockBeforeTheStoredFloor_IsRejected_EvenAfterTheBuildTime()
        {
            FakeSecureStore store = new FakeSecureStore();
            store.Seed(DeviceStoreKeys.TimeFloor, "2026-09-01T00:00:00Z");
            FakeClock clock = new FakeClock(new DateTime(2026, 6, 1, 0, 0, 0)); // after build, before floor: forged
            TimeGuard guard = new TimeGuard(clock, store, Build, new FakeLog());
            guard.Tick();
            Assert.IsFalse(guard.IsTrusted);

            clock.UtcNow = new DateTime(2026, 9, 2, 0, 0, 0);
            guard.Tick();
            Assert.IsTrue(guard.IsTrusted);
        }

        [TestMethod]
        public void UnreadableStoredFloor_FallsBackToTheBuildTime()
        {
            FakeSecureStore store = new FakeSecureStore();
            store.Seed(DeviceStoreKeys.TimeFloor, "garbage");
            TimeGuard guard = new TimeGuard(new FakeClock(new DateTime(2026, 4, 1, 0, 0, 0)), store, Build, new FakeLog());
            Assert.AreEqual(Build, guard.Floor);
            guard.Tick();
            Assert.IsTrue(guard.IsTrusted);
        }

        [TestMethod]
        public void Floor_AdvancesOnlyWhenAServerConfirmed_AndIsPersistedAtMostHourly()
        {
            FakeSecureStore store = new FakeSecureStore();
            FakeClock clock = new FakeClock(new DateTime(2026, 4, 1, 0, 0, 0));
            TimeGuard guard = new TimeGuard(clock, store, Build, new FakeLog());
            guard.Tick();
            Assert.IsTrue(guard.IsTrusted);
            Assert.AreEqual(Build, guard.Floor); // a trusted clock alone does not move the floor
            Assert.AreEqual(0, store.WriteCount);

            guard.ConfirmedByServer();
            Assert.AreEqual(1, store.WriteCount);
            Assert.AreEqual("2026-04-01T00:00:00Z", store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.TimeFloor));

            for (int i = 0; i < 59; i++)
            {
                clock.AdvanceSeconds(60);
                guard.Tick();
                guard.ConfirmedByServer();
            }
            Assert.AreEqual(1, store.WriteCount); // 59 minutes: no second flash write
            Assert.AreEqual(new DateTime(2026, 4, 1, 0, 59, 0), guard.Floor);

            clock.AdvanceSeconds(60);
            guard.Tick();
            guard.ConfirmedByServer();
            Assert.AreEqual(2, store.WriteCount);
            Assert.AreEqual("2026-04-01T01:00:00Z", store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.TimeFloor));

            // A forged step back below the confirmed floor is refused.
            clock.UtcNow = new DateTime(2026, 4, 1, 0, 30, 0);
            guard.Tick();
            Assert.IsFalse(guard.IsTrusted);
        }

        [TestMethod]
        public void ConfirmedByServer_WhileUntrusted_WritesNothing()
        {
            FakeSecureStore store = new FakeSecureStore();
            FakeClock clock = new FakeClock(new DateTime(2020, 1, 1, 0, 0, 0));
            TimeGuard guard = new TimeGuard(clock, store, Build, new FakeLog());
            guard.Tick();
            guard.ConfirmedByServer();
            Assert.AreEqual(0, store.WriteCount);
        }
    }
}
