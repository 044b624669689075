using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>
    /// mbedTLS on the device. Private keys live in NVS as SEC1 "EC PRIVATE KEY" PEM (the schema's idN_key) and
    /// are used here by NVS key name: no method returns one (managed code reads the PEM from NVS only to hand it
    /// to X509Certificate2 for the TLS client certificate).
    /// </summary>
    public static class Crypto
    {
        /// <summary>A new incremental SHA-256 (mbedtls_sha256_starts): a handle, or 0 when none is free (at most 2 at a time).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint Sha256Begin();

        /// <summary>mbedtls_sha256_update with data[offset .. offset+count); returns 0 or an mbedTLS error.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Sha256Update(uint handle, byte[] data, int offset, int count);

        /// <summary>mbedtls_sha256_finish: the 32-byte digest (the handle is released), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] Sha256Finish(uint handle);

        /// <summary>
        /// ECDSA P-256 / SHA-256 verification of a DER (RFC 3279) signature over data[offset .. offset+count) with a
        /// DER SubjectPublicKeyInfo: 0 when valid, otherwise the mbedTLS error.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int VerifyP256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature);

        /// <summary>Generates a P-256 key and stores it as SEC1 PEM under NVS key keyName (namespace of nvsHandle, then nvs_commit); returns the esp_err_t or mbedTLS error.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int GenerateKey(uint nvsHandle, string keyName);

        /// <summary>The uncompressed public point (65 bytes, 0x04 || X || Y) of the key under keyName, or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] PublicKey(uint nvsHandle, string keyName);

        /// <summary>A PKCS#10 CSR (DER) for subject "CN=commonName" signed with the key under keyName (ECDSA SHA-256), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] CreateCsr(uint nvsHandle, string keyName, string commonName);

        /// <summary>ECDSA P-256 signature (DER) over SHA-256(message) with the key under keyName (the renewal proof of possession), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] Sign(uint nvsHandle, string keyName, byte[] message);

        /// <summary>
        /// esp_fill_random: fills buffer with bytes of the hardware RNG (request ids, nonces, backoff jitter seeds).
        /// A true RNG while Wi-Fi or Bluetooth runs (RF noise); before that only the bootloader's entropy source
        /// seeded it, so the firmware asks for security-relevant randomness only after Wi-Fi is started.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void FillRandom(byte[] buffer);
    }
}
