namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Encrypted key-value storage (ESP-IDF NVS with NVS encryption on the device). Keys are at most
    /// 15 characters, namespaces likewise. Values survive OTA updates because NVS lives in its own
    /// partition. A write is durable when the call returns; a power cut during it leaves the old value.
    /// </summary>
    public interface ISecureStore
    {
        /// <summary>Returns the stored bytes, or null when the key does not exist.</summary>
        byte[] GetBlob(string nameSpace, string key);

        void SetBlob(string nameSpace, string key, byte[] value);

        /// <summary>Returns the stored string, or null when the key does not exist.</summary>
        string GetString(string nameSpace, string key);

        void SetString(string nameSpace, string key, string value);

        /// <summary>Removes the key; returns false when it did not exist.</summary>
        bool Erase(string nameSpace, string key);
    }
}
