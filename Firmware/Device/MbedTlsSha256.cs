using System;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="ISha256"/> on one of the interop's two native mbedtls_sha256 contexts (Crypto.Sha256Begin / Update /
    /// Finish). Created by <see cref="MbedTlsCrypto"/>, which reclaims the context of one the core abandoned.
    /// </summary>
    public sealed class MbedTlsSha256 : ISha256
    {
        private uint _handle;

        internal MbedTlsSha256(uint handle)
        {
            _handle = handle;
        }

        /// <summary>False once finished (or reclaimed).</summary>
        public bool IsOpen
        {
            get { return _handle != 0; }
        }

        public void Append(byte[] buffer, int offset, int count)
        {
            if (_handle == 0)
                throw new InvalidOperationException("SHA-256 already finished");
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException("count");
            EspException.Check("mbedtls_sha256_update", Crypto.Sha256Update(_handle, buffer, offset, count));
        }

        public byte[] Finish()
        {
            if (_handle == 0)
                throw new InvalidOperationException("SHA-256 already finished");
            uint handle = _handle;
            _handle = 0;
            byte[] digest = Crypto.Sha256Finish(handle);
            EspException.CheckResult("mbedtls_sha256_finish", digest);
            return digest;
        }

        /// <summary>Releases the native context without a result (the object is unusable afterwards).</summary>
        internal void Release()
        {
            if (_handle == 0)
                return;
            uint handle = _handle;
            _handle = 0;
            Crypto.Sha256Finish(handle);
        }
    }
}
