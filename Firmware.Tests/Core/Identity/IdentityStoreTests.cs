using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Identity
{
    [TestClass]
    public class IdentityStoreTests
    {
        /// <summary>A provisioned device: slot 0 complete, id_act = "0".</summary>
        internal static FakeSecureStore Provisioned()
        {
            FakeSecureStore store = new FakeSecureStore();
            store.Seed("id_act", "0");
            store.Seed("id0_crt", TestPki.PemOf(TestPki.Leaf));
            store.Seed("id0_chain", TestPki.PemOf(TestPki.IssuingCa));
            store.Seed("id0_key", "-----BEGIN EC PRIVATE KEY-----\nK1\n-----END EC PRIVATE KEY-----\n");
            store.Seed("id0_fbpw", "old-password");
            return store;
        }

        [TestMethod]
        public void Load_ReadsTheActiveSlot()
        {
            IdentityStore ids = new IdentityStore(Provisioned(), new FakeLog());
            ids.Load();
            Assert.AreEqual(0, ids.ActiveSlot);
            Assert.AreEqual(1, ids.InactiveSlot);
            Assert.AreEqual("id1_key", ids.InactiveKeyName);
            Assert.AreEqual(TestPki.LeafSerial, ids.Active.Serial);
            Assert.AreEqual("old-password", ids.Active.FallbackPassword);
            Assert.AreEqual("id0_key", ids.Active.KeyName);
            Assert.AreEqual("2026-06-01T00:00:00Z", ids.Active.NotAfterText);
        }

        [TestMethod]
        public void Load_WritesNothing()
        {
            FakeSecureStore store = Provisioned();
            new IdentityStore(store, new FakeLog()).Load();
            Assert.AreEqual(0, store.WriteCount);
        }

        [TestMethod]
        public void WriteInactive_TouchesOnlyInactiveSlotKeys_InTheDocumentedOrder()
        {
            FakeSecureStore store = Provisioned();
            IdentityStore ids = new IdentityStore(store, new FakeLog());
            ids.Load();
            ids.WriteInactive(TestPki.PemOf(TestPki.LeafNew), TestPki.PemOf(TestPki.IssuingCa), "new-password");

            Assert.AreEqual(3, store.WriteCount);
            Assert.AreEqual("set iotdev/id1_chain", store.Write(0));
            Assert.AreEqual("set iotdev/id1_fbpw", store.Write(1));
            Assert.AreEqual("set iotdev/id1_crt", store.Write(2));
            Assert.IsFalse(store.WasWritten("id_act"));
            Assert.IsFalse(store.WasWritten("id0_crt"));
            Assert.IsFalse(store.WasWritten("id0_chain"));
            Assert.IsFalse(store.WasWritten("id0_key"));
            Assert.IsFalse(store.WasWritten("id0_fbpw"));
            Assert.AreEqual(0, ids.ActiveSlot); // nothing committed yet
            Assert.AreEqual(TestPki.LeafSerial, ids.Active.Serial);
        }

        [TestMethod]
        public void Commit_IsOneWriteOfTheIdActPointer()
        {
            FakeSecureStore store = Provisioned();
            store.Seed("id1_key", "-----BEGIN EC PRIVATE KEY-----\nK2\n-----END EC PRIVATE KEY-----\n");
            IdentityStore ids = new IdentityStore(store, new FakeLog());
            ids.Load();
            ids.WriteInactive(TestPki.PemOf(TestPki.LeafNew), TestPki.PemOf(TestPki.IssuingCa), "new-password");
            store.ClearWriteLog();

            ids.Commit();

            Assert.AreEqual(1, store.WriteCount);
            Assert.AreEqual("set iotdev/id_act", store.Write(0));
            Assert.AreEqual("1", store.GetString(DeviceStoreKeys.Namespace, "id_act"));
            Assert.AreEqual(1, ids.ActiveSlot);
            Assert.AreEqual(TestPki.LeafNewSerial, ids.Active.Serial);
            Assert.AreEqual("new-password", ids.Active.FallbackPassword);
            Assert.AreEqual("id0_key", ids.InactiveKeyName); // the next renewal reuses slot 0

            IdentityStore reboot = new IdentityStore(store, new FakeLog());
            reboot.Load();
            Assert.AreEqual(1, reboot.ActiveSlot);
        }

        [TestMethod]
        public void Commit_RefusesAnIncompleteSlot()
        {
            FakeSecureStore store = Provisioned(); // slot 1 has no key, no certificate
            IdentityStore ids = new IdentityStore(store, new FakeLog());
            ids.Load();
            Assert.ThrowsException(typeof(InvalidOperationException), () => ids.Commit());
            Assert.IsFalse(store.WasWritten("id_act"));
            Assert.AreEqual(0, ids.ActiveSlot);
        }

        [TestMethod]
        public void DiscardInactive_ErasesOnlyTheInactiveSlot()
        {
            FakeSecureStore store = Provisioned();
            IdentityStore ids = new IdentityStore(store, new FakeLog());
            ids.Load();
            ids.WriteInactive(TestPki.PemOf(TestPki.LeafNew), TestPki.PemOf(TestPki.IssuingCa), "new-password");
            store.ClearWriteLog();
            ids.DiscardInactive();

            Assert.AreEqual("erase iotdev/id1_crt", store.Write(0));
            for (int i = 0; i < store.WriteCount; i++)
                Assert.Contains("/id1_", store.Write(i));
            Assert.IsNull(store.GetString(DeviceStoreKeys.Namespace, "id1_crt"));
            Assert.IsNotNull(store.GetString(DeviceStoreKeys.Namespace, "id0_crt"));
        }

        [TestMethod]
        public void PowerCut_AfterAnyRenewalWrite_LeavesACompleteIdentity()
        {
            // Replays the renewal's writes one by one (the fake store applies each atomically, as NVS does
            // for single-page strings) and "reboots" after each: the device always loads a complete slot,
            // the old one until id_act flips, the new one after.
            string[] keys = new string[] { "id1_key", "id1_chain", "id1_fbpw", "id1_crt", "id_act" };
            string[] values = new string[] { "-----BEGIN EC PRIVATE KEY-----\nK2\n-----END EC PRIVATE KEY-----\n", TestPki.PemOf(TestPki.IssuingCa), "new-password", TestPki.PemOf(TestPki.LeafNew), "1" };
            for (int cut = 0; cut <= keys.Length; cut++)
            {
                FakeSecureStore store = Provisioned();
                for (int i = 0; i < cut; i++)
                    store.SetString(DeviceStoreKeys.Namespace, keys[i], values[i]);
                IdentityStore ids = new IdentityStore(store, new FakeLog());
                ids.Load();
                Assert.AreEqual(cut == keys.Length ? 1 : 0, ids.ActiveSlot, "after " + cut.ToString() + " writes");
                Assert.AreEqual(cut == keys.Length ? TestPki.LeafNewSerial : TestPki.LeafSerial, ids.Active.Serial);
                Assert.IsNotNull(ids.Active.FallbackPassword);
            }
        }

        [TestMethod]
        public void GarbledPointer_UsesTheCompleteSlot()
        {
            FakeSecureStore store = Provisioned();
            store.Seed("id_act", "7");
            FakeLog log = new FakeLog();
            IdentityStore ids = new IdentityStore(store, log);
            ids.Load();
            Assert.AreEqual(0, ids.ActiveSlot);
            Assert.IsTrue(log.Contains("id_act is '7'"));
        }

        [TestMethod]
        public void NoIdentity_IsReported()
        {
            IdentityStore ids = new IdentityStore(new FakeSecureStore(), new FakeLog());
            ids.Load();
            Assert.AreEqual(-1, ids.ActiveSlot);
            Assert.IsNull(ids.Active);
        }
    }
}
