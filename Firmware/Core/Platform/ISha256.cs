namespace IotDevice.Core.Platform
{
    /// <summary>An incremental SHA-256 (mbedtls_sha256_update / finish on the device).</summary>
    public interface ISha256
    {
        void Append(byte[] buffer, int offset, int count);

        /// <summary>The 32-byte digest of everything appended; the object cannot be used afterwards.</summary>
        byte[] Finish();
    }
}
