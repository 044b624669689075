using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>
    /// NVS of the default "nvs" partition (nvs_flash_init: with CONFIG_NVS_ENCRYPTION and the flash-encryption
    /// key scheme it is the encrypted NVS, keys from nvs_keys). Namespaces and keys: at most 15 characters.
    /// </summary>
    public static class Nvs
    {
        /// <summary>nvs_open: a handle (non-zero), or 0 with <see cref="EspError.Last"/> set.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint Open(string nameSpace, bool readWrite);

        /// <summary>nvs_close.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Close(uint handle);

        /// <summary>nvs_get_str: the string, or null (ESP_ERR_NVS_NOT_FOUND or another error in <see cref="EspError.Last"/>).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern string GetString(uint handle, string key);

        /// <summary>nvs_set_str; returns the esp_err_t. Takes effect on <see cref="Commit"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int SetString(uint handle, string key, string value);

        /// <summary>nvs_get_blob: the bytes, or null (see <see cref="EspError.Last"/>).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] GetBlob(uint handle, string key);

        /// <summary>nvs_set_blob; returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int SetBlob(uint handle, string key, byte[] value);

        /// <summary>nvs_erase_key; returns the esp_err_t (ESP_ERR_NVS_NOT_FOUND when there was none).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int EraseKey(uint handle, string key);

        /// <summary>nvs_commit; returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Commit(uint handle);
    }
}
