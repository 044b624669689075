using System;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// The two identity slots in NVS (README "Device protocols": idN_crt, idN_chain, idN_key, idN_fbpw) and the
    /// <c>id_act</c> pointer that says which one is in use.
    ///
    /// Write order of a renewal, and why a power cut at any single write leaves a usable identity
    /// (each ISecureStore write is atomic: a cut leaves the old or the new value of that one key):
    ///   1. IDeviceKeys.GenerateKey(inactive key)        — only the inactive slot changes
    ///   2. WriteInactive: chain, then fbpw, then crt     — only the inactive slot changes
    ///   3. trial connection with the inactive slot (no write)
    ///   4. Commit: id_act = inactive                    — THE commit point, one small string
    /// Before 4 completes, id_act still names the old slot, which no step touched: the device boots with
    /// the old identity (a half-written inactive slot is simply overwritten by the next renewal; it is
    /// never committed because a commit needs a trial in the same run, which needs step 2 to have
    /// returned). After 4, id_act names the new slot, complete since step 2 returned before the trial.
    /// <see cref="DiscardInactive"/> erases only inactive-slot keys.
    /// Threat: a power cut (or an attacker cutting power at the worst moment) cannot leave the device
    /// without a certificate/key pair that matches, which would lock it out of both brokers.
    /// </summary>
    public sealed class IdentityStore
    {
        private readonly ISecureStore _store;
        private readonly IDeviceLog _log;
        private int _active = -1;
        private DeviceIdentity _activeIdentity;

        public IdentityStore(ISecureStore store, IDeviceLog log)
        {
            if (store == null)
                throw new ArgumentNullException("store");
            if (log == null)
                throw new ArgumentNullException("log");
            _store = store;
            _log = log;
        }

        /// <summary>The NVS key of <paramref name="suffix"/> in <paramref name="slot"/>, e.g. SlotKey(1, "crt") = "id1_crt".</summary>
        public static string SlotKey(int slot, string suffix)
        {
            if (slot != 0 && slot != 1)
                throw new ArgumentOutOfRangeException("slot");
            return "id" + slot.ToString() + "_" + suffix;
        }

        /// <summary>0 or 1, or -1 when no slot holds a complete identity.</summary>
        public int ActiveSlot
        {
            get { return _active; }
        }

        public int InactiveSlot
        {
            get { return _active == 1 ? 0 : 1; }
        }

        /// <summary>The identity in use, or null when none is usable.</summary>
        public DeviceIdentity Active
        {
            get { return _activeIdentity; }
        }

        /// <summary>Key name a renewal generates its new key under (never the active slot's).</summary>
        public string InactiveKeyName
        {
            get { return SlotKey(InactiveSlot, DeviceStoreKeys.KeySuffix); }
        }

        /// <summary>
        /// Reads id_act and the active slot. No write happens at boot. If id_act is missing or garbled (it is
        /// written atomically, so only by outside tampering or provisioning bugs), the first complete slot is
        /// used and the fact is logged.
        /// </summary>
        public void Load()
        {
            string pointer = _store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.ActiveIdentity);
            int slot = pointer == "0" ? 0 : (pointer == "1" ? 1 : -1);
            if (slot < 0)
                _log.Info("identity: id_act is " + (pointer == null ? "missing" : "'" + pointer + "'") + "; looking for a complete slot");
            if (slot >= 0 && !IsComplete(Read(slot)))
            {
                _log.Info("identity: active slot " + slot.ToString() + " is incomplete; looking for a complete slot");
                slot = -1;
            }
            if (slot < 0)
            {
                if (IsComplete(Read(0)))
                    slot = 0;
                else if (IsComplete(Read(1)))
                    slot = 1;
            }
            _active = slot;
            _activeIdentity = slot < 0 ? null : Read(slot);
            if (slot < 0)
                _log.Info("identity: no usable identity in NVS");
            else
                _log.Info("identity: slot " + slot.ToString() + " active, serial " + _activeIdentity.Serial + ", not after " + _activeIdentity.NotAfterText);
        }

        /// <summary>The slot that is not active, as stored now (may be empty or half-written).</summary>
        public DeviceIdentity ReadInactive()
        {
            return Read(InactiveSlot);
        }

        /// <summary>The private key PEM of an identity, for the TLS adapter.</summary>
        public string ReadPrivateKeyPem(DeviceIdentity identity)
        {
            return _store.GetString(DeviceStoreKeys.Namespace, identity.KeyName);
        }

        /// <summary>
        /// Stores a verified renewal in the inactive slot (the key is already there, generated under
        /// <see cref="InactiveKeyName"/>). Writes chain, fbpw, crt, in that order, and never an active-slot key.
        /// </summary>
        public void WriteInactive(string certificatePem, string chainPem, string fallbackPassword)
        {
            if (certificatePem == null || certificatePem.Length == 0 || chainPem == null || chainPem.Length == 0 || fallbackPassword == null || fallbackPassword.Length == 0)
                throw new ArgumentException("a renewal needs a certificate, a chain and a fallback password");
            int slot = InactiveSlot;
            _store.SetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.ChainSuffix), chainPem);
            _store.SetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.FallbackPasswordSuffix), fallbackPassword);
            _store.SetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.CertificateSuffix), certificatePem);
            _log.Info("identity: renewal written to inactive slot " + slot.ToString());
        }

        /// <summary>Makes the inactive slot active with ONE write (id_act). Refuses an incomplete slot.</summary>
        public void Commit()
        {
            int slot = InactiveSlot;
            DeviceIdentity next = Read(slot);
            if (!IsComplete(next))
                throw new InvalidOperationException("identity slot " + slot.ToString() + " is incomplete; refusing to commit it");
            _store.SetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.ActiveIdentity, slot.ToString());
            _active = slot;
            _activeIdentity = next;
            _log.Info("identity: committed slot " + slot.ToString() + ", serial " + next.Serial + ", not after " + next.NotAfterText);
        }

        /// <summary>Forgets a renewal the primary refused: erases the inactive slot's entries (certificate first), never the active ones.</summary>
        public void DiscardInactive()
        {
            int slot = InactiveSlot;
            _store.Erase(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.CertificateSuffix));
            _store.Erase(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.ChainSuffix));
            _store.Erase(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.FallbackPasswordSuffix));
            _store.Erase(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.KeySuffix));
            _log.Info("identity: discarded inactive slot " + slot.ToString());
        }

        private DeviceIdentity Read(int slot)
        {
            return new DeviceIdentity(slot,
                _store.GetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.CertificateSuffix)),
                _store.GetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.ChainSuffix)),
                SlotKey(slot, DeviceStoreKeys.KeySuffix),
                _store.GetString(DeviceStoreKeys.Namespace, SlotKey(slot, DeviceStoreKeys.FallbackPasswordSuffix)));
        }

        private bool IsComplete(DeviceIdentity identity)
        {
            string key = _store.GetString(DeviceStoreKeys.Namespace, identity.KeyName);
            return identity.IsComplete(key != null && key.Length > 0);
        }
    }
}
