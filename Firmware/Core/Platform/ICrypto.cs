namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The cryptographic primitives the core needs and must not implement in managed code (managed big
    /// numbers are far too slow on the ESP32, and a hand-written primitive is an attack surface): SHA-256,
    /// ECDSA P-256 verification and a cryptographically secure random source. Device: mbedTLS and the
    /// hardware RNG through native interop; host: .NET crypto.
    /// </summary>
    public interface ICrypto
    {
        /// <summary>A new incremental SHA-256 computation (OTA parts are hashed while they stream).</summary>
        ISha256 CreateSha256();

        /// <summary>
        /// True when <paramref name="derSignature"/> (RFC 3279 DER) is a valid ECDSA P-256 / SHA-256
        /// signature of <paramref name="data"/> under <paramref name="subjectPublicKeyInfo"/> (DER). False for
        /// any malformed key or signature; never throws for bad input.
        /// </summary>
        bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature);

        /// <summary>Fills <paramref name="buffer"/> with cryptographically secure random bytes (request ids, nonces).</summary>
        void FillRandom(byte[] buffer);
    }
}
