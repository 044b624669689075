namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The device's ECDSA P-256 identity keys, named by the secure-store key that holds each one
    /// (namespace <c>iotdev</c>, e.g. <c>id0_key</c>). The private key never crosses this interface: it is
    /// generated, kept and used where it lives (mbedTLS interop over encrypted NVS on the device; .NET
    /// crypto over the virtual ESP32's encrypted NVS on the host).
    /// Threat: code that can call this interface can make the device sign (it is the device), but a flash
    /// dump or a managed-heap dump does not yield the key in a form other than what NVS encryption protects.
    /// </summary>
    public interface IDeviceKeys
    {
        /// <summary>Generates a fresh P-256 key pair on the device and stores its private key under <paramref name="keyName"/>, replacing any key there.</summary>
        void GenerateKey(string keyName);

        /// <summary>True when a private key is stored under <paramref name="keyName"/>.</summary>
        bool HasKey(string keyName);

        /// <summary>The public key of <paramref name="keyName"/> as a DER SubjectPublicKeyInfo.</summary>
        byte[] GetPublicKey(string keyName);

        /// <summary>A PKCS#10 certificate request (DER) for subject CN=<paramref name="commonName"/>, signed by <paramref name="keyName"/> (ECDSA with SHA-256).</summary>
        byte[] CreateCertificateRequest(string keyName, string commonName);

        /// <summary>ECDSA P-256 / SHA-256 signature of <paramref name="data"/> by <paramref name="keyName"/>, DER-encoded (RFC 3279 Ecdsa-Sig-Value, as mbedTLS writes it).</summary>
        byte[] Sign(string keyName, byte[] data);
    }
}
