using System;
using System.Collections;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// ICrypto for tests: SHA-256 is real (<see cref="FakeSha256"/>); a signature is valid exactly when the
    /// test registered that (public key, signed bytes, signature) triple, as a table of known-good ECDSA
    /// results; random bytes are a counter sequence (deterministic request ids).
    /// </summary>
    public sealed class FakeCrypto : ICrypto
    {
        private readonly ArrayList _keys = new ArrayList();
        private readonly ArrayList _data = new ArrayList();
        private readonly ArrayList _signatures = new ArrayList();
        private int _next;

        public int VerifyCalls { get; private set; }

        public void AllowSignature(byte[] subjectPublicKeyInfo, byte[] data, byte[] signature)
        {
            _keys.Add(subjectPublicKeyInfo);
            _data.Add(data);
            _signatures.Add(signature);
        }

        public ISha256 CreateSha256()
        {
            return new FakeSha256();
        }

        public bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature)
        {
            VerifyCalls++;
            for (int i = 0; i < _keys.Count; i++)
            {
                if (Same((byte[])_keys[i], subjectPublicKeyInfo, 0, subjectPublicKeyInfo.Length)
                    && Same((byte[])_data[i], data, offset, count)
                    && Same((byte[])_signatures[i], derSignature, 0, derSignature.Length))
                    return true;
            }
            return false;
        }

        /// <summary>Bytes 0x01, 0x02, ... continuing across calls.</summary>
        public void FillRandom(byte[] buffer)
        {
            for (int i = 0; i < buffer.Length; i++)
                buffer[i] = (byte)(++_next);
        }

        private static bool Same(byte[] expected, byte[] actual, int offset, int count)
        {
            if (expected.Length != count)
                return false;
            for (int i = 0; i < count; i++)
            {
                if (expected[i] != actual[offset + i])
                    return false;
            }
            return true;
        }
    }
}
