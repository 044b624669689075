using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IDeviceKeys"/> on mbedTLS through IotDevice.Interop: keys are generated on the device
    /// (mbedtls_ecp_gen_key on P-256 with the hardware RNG), stored by the native code as SEC1 PEM under their NVS key
    /// (id0_key / id1_key in namespace iotdev) and used there by name for the CSR and the proof of possession.
    /// Threat: the private key never passes through this class: no interop method returns it, so a managed heap dump
    /// or a bug in the core cannot leak it from here. It leaves NVS in exactly one other place: the MQTT adapter reads
    /// the PEM to build the X509Certificate2 nanoFramework's TLS needs for the client certificate (mbedTLS then holds
    /// it in RAM for the session). A flash dump shows it only NVS-encrypted; code running on the device can read it
    /// (no HMAC or DS peripheral on the ESP32).
    /// </summary>
    public sealed class DeviceKeys : IDeviceKeys
    {
        private readonly NvsSecureStore _store;

        public DeviceKeys(NvsSecureStore store)
        {
            if (store == null)
                throw new ArgumentNullException("store");
            _store = store;
        }

        private uint Handle
        {
            get { return _store.HandleOf(DeviceStoreKeys.Namespace); }
        }

        public void GenerateKey(string keyName)
        {
            // the native side writes the PEM and commits
            EspException.Check("generate key " + keyName, Crypto.GenerateKey(Handle, keyName));
        }

        /// <summary>True when a usable P-256 key is stored: asks for its public point (parsed natively), never reads the PEM here.</summary>
        public bool HasKey(string keyName)
        {
            byte[] point = Crypto.PublicKey(Handle, keyName);
            if (point != null)
                return true;
            int error = EspError.Last();
            if (error != NvsSecureStore.ErrNvsNotFound)
                Console.WriteLine("keys: " + keyName + " is not a usable key: " + EspException.NameOf(error));
            return false;
        }

        public byte[] GetPublicKey(string keyName)
        {
            byte[] point = Crypto.PublicKey(Handle, keyName);
            EspException.CheckResult("public key of " + keyName, point);
            return P256PublicKeyInfo.FromUncompressedPoint(point);
        }

        public byte[] CreateCertificateRequest(string keyName, string commonName)
        {
            if (commonName == null || commonName.Length == 0)
                throw new ArgumentException("the CSR needs a common name", "commonName");
            byte[] csr = Crypto.CreateCsr(Handle, keyName, commonName);
            EspException.CheckResult("CSR with " + keyName, csr);
            return csr;
        }

        public byte[] Sign(string keyName, byte[] data)
        {
            if (data == null)
                throw new ArgumentNullException("data");
            byte[] signature = Crypto.Sign(Handle, keyName, data);
            EspException.CheckResult("sign with " + keyName, signature);
            return signature;
        }
    }
}
