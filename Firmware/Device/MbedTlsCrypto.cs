using System;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="ICrypto"/> on mbedTLS and the hardware RNG through IotDevice.Interop: incremental SHA-256, ECDSA
    /// P-256 / SHA-256 verification (release manifests, renewal answers' certificates), esp_fill_random.
    /// The native side has two SHA-256 contexts. The core finishes every hash it completes, but a hash abandoned on an
    /// error path (a dropped download) would hold its context forever and end all OTA on this boot, so when none is
    /// free the oldest outstanding one is released (it is never used again: the updater starts a new hash per part).
    /// </summary>
    public sealed class MbedTlsCrypto : ICrypto
    {
        private readonly MbedTlsSha256[] _outstanding = new MbedTlsSha256[2];
        private int _next;

        public ISha256 CreateSha256()
        {
            uint handle = Crypto.Sha256Begin();
            if (handle == 0)
            {
                ReclaimOldest();
                handle = Crypto.Sha256Begin();
            }
            if (handle == 0)
                throw new EspException("mbedtls_sha256_starts", EspError.Last());
            MbedTlsSha256 hash = new MbedTlsSha256(handle);
            for (int i = 0; i < _outstanding.Length; i++)
            {
                if (_outstanding[i] == null || !_outstanding[i].IsOpen)
                {
                    _outstanding[i] = hash;
                    return hash;
                }
            }
            _outstanding[_next] = hash;
            _next = (_next + 1) % _outstanding.Length;
            return hash;
        }

        /// <summary>
        /// Threat: every argument can come from the network (a manifest, its signature, a certificate). Malformed keys
        /// or signatures are "not valid", never an exception that could skip a check; mbedTLS checks the curve (the
        /// native side accepts only a P-256 key).
        /// </summary>
        public bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature)
        {
            if (subjectPublicKeyInfo == null || data == null || derSignature == null)
                return false;
            if (offset < 0 || count < 0 || offset > data.Length - count)
                return false;
            try
            {
                return Crypto.VerifyP256(subjectPublicKeyInfo, data, offset, count, derSignature) == 0;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public void FillRandom(byte[] buffer)
        {
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            Crypto.FillRandom(buffer);
        }

        private void ReclaimOldest()
        {
            for (int i = 0; i < _outstanding.Length; i++)
            {
                int index = (_next + i) % _outstanding.Length;
                MbedTlsSha256 hash = _outstanding[index];
                if (hash != null && hash.IsOpen)
                {
                    Console.WriteLine("crypto: releasing an abandoned SHA-256 context");
                    hash.Release();
                    _outstanding[index] = null;
                    _next = index;
                    return;
                }
            }
        }
    }
}
