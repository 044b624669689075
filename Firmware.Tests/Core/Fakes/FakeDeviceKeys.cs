using System;
using System.Collections;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// IDeviceKeys for tests: "generating" a key stores a placeholder private-key PEM under its NVS name
    /// (as the real adapter stores the real one) and assigns it the next public key from a list the test
    /// supplies (real SPKIs of <see cref="TestPki"/>, so issued certificates can match). CSRs and signatures
    /// are deterministic byte strings naming the key and the data, so tests can check what was signed.
    /// </summary>
    public sealed class FakeDeviceKeys : IDeviceKeys
    {
        private readonly FakeSecureStore _store;
        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _publicKeys = new ArrayList();
        private readonly ArrayList _upcoming = new ArrayList();

        public FakeDeviceKeys(FakeSecureStore store)
        {
            _store = store;
        }

        public int Generated { get; private set; }

        public byte[] LastSignedData { get; private set; }

        public string LastSigningKey { get; private set; }

        public string LastCsrCommonName { get; private set; }

        /// <summary>A key that exists from provisioning (no write recorded).</summary>
        public void Provision(string keyName, byte[] publicKeyInfo)
        {
            _store.Seed(keyName, "-----BEGIN EC PRIVATE KEY-----\nFAKE-" + keyName + "\n-----END EC PRIVATE KEY-----\n");
            Set(keyName, publicKeyInfo);
        }

        /// <summary>The public key the next GenerateKey produces.</summary>
        public void QueueGeneratedKey(byte[] publicKeyInfo)
        {
            _upcoming.Add(publicKeyInfo);
        }

        public void GenerateKey(string keyName)
        {
            if (_upcoming.Count == 0)
                throw new InvalidOperationException("test did not queue a public key for GenerateKey");
            byte[] key = (byte[])_upcoming[0];
            _upcoming.RemoveAt(0);
            Generated++;
            _store.SetString(DeviceStoreKeys.Namespace, keyName, "-----BEGIN EC PRIVATE KEY-----\nFAKE-GEN" + Generated.ToString() + "\n-----END EC PRIVATE KEY-----\n");
            Set(keyName, key);
        }

        public bool HasKey(string keyName)
        {
            return IndexOf(keyName) >= 0;
        }

        public byte[] GetPublicKey(string keyName)
        {
            int i = IndexOf(keyName);
            if (i < 0)
                throw new InvalidOperationException("no key " + keyName);
            return (byte[])_publicKeys[i];
        }

        /// <summary>"CSR:" + key name + ":" + CN, as bytes.</summary>
        public byte[] CreateCertificateRequest(string keyName, string commonName)
        {
            GetPublicKey(keyName);
            LastCsrCommonName = commonName;
            return Utf8.GetBytes("CSR:" + keyName + ":" + commonName);
        }

        /// <summary>"SIG:" + key name + ":" + SHA-256 hex of the data.</summary>
        public byte[] Sign(string keyName, byte[] data)
        {
            GetPublicKey(keyName);
            LastSignedData = data;
            LastSigningKey = keyName;
            return Utf8.GetBytes("SIG:" + keyName + ":" + Hex.ToLower(FakeSha256.Hash(data)));
        }

        private void Set(string keyName, byte[] publicKeyInfo)
        {
            int i = IndexOf(keyName);
            if (i >= 0)
            {
                _publicKeys[i] = publicKeyInfo;
                return;
            }
            _names.Add(keyName);
            _publicKeys.Add(publicKeyInfo);
        }

        private int IndexOf(string keyName)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] == keyName)
                    return i;
            }
            return -1;
        }
    }
}
