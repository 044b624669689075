using System;
using System.Collections;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="ISecureStore"/> on the default NVS partition through IotDevice.Interop (nvs_open / nvs_get_str /
    /// nvs_set_str / nvs_get_blob / nvs_set_blob / nvs_erase_key / nvs_commit). The image is built with
    /// CONFIG_NVS_ENCRYPTION and the flash-encryption key scheme, so nvs_flash_init mounts it encrypted with the keys
    /// in the flash-encrypted nvs_keys partition.
    /// Threat: a flash dump or a desoldered chip shows no value of this store in clear (XTS-AES under keys only the
    /// flash-encryption key unlocks); code running on the device reads everything (ESP32 has no key isolation).
    /// Every write is committed before the call returns: the interface promises durability, and ESP-IDF keeps a
    /// value only in RAM until nvs_commit. Handles are opened once per namespace and kept (nanoCLR runs managed
    /// threads on one native task; the core calls from the main loop only).
    /// </summary>
    public sealed class NvsSecureStore : ISecureStore
    {
        /// <summary>ESP_ERR_NVS_NOT_FOUND (ESP_ERR_NVS_BASE 0x1100 + 0x02, nvs.h): the key (or namespace) does not exist.</summary>
        public const int ErrNvsNotFound = 0x1102;

        private readonly Hashtable _handles = new Hashtable();

        /// <summary>The open read-write handle of <paramref name="nameSpace"/> (nvs_open creates the namespace); for the interop calls that take one (keys).</summary>
        public uint HandleOf(string nameSpace)
        {
            CheckName(nameSpace, "nameSpace");
            object cached = _handles[nameSpace];
            if (cached != null)
                return (uint)cached;
            uint handle = Nvs.Open(nameSpace, true);
            if (handle == 0)
                throw new EspException("nvs_open(" + nameSpace + ")", EspError.Last());
            _handles[nameSpace] = handle;
            return handle;
        }

        public byte[] GetBlob(string nameSpace, string key)
        {
            CheckName(key, "key");
            byte[] value = Nvs.GetBlob(HandleOf(nameSpace), key);
            if (value == null)
                NotFoundOrThrow("nvs_get_blob(" + key + ")");
            return value;
        }

        public void SetBlob(string nameSpace, string key, byte[] value)
        {
            CheckName(key, "key");
            if (value == null)
                throw new ArgumentNullException("value");
            uint handle = HandleOf(nameSpace);
            EspException.Check("nvs_set_blob(" + key + ")", Nvs.SetBlob(handle, key, value));
            EspException.Check("nvs_commit", Nvs.Commit(handle));
        }

        public string GetString(string nameSpace, string key)
        {
            CheckName(key, "key");
            string value = Nvs.GetString(HandleOf(nameSpace), key);
            if (value == null)
                NotFoundOrThrow("nvs_get_str(" + key + ")");
            return value;
        }

        public void SetString(string nameSpace, string key, string value)
        {
            CheckName(key, "key");
            if (value == null)
                throw new ArgumentNullException("value");
            uint handle = HandleOf(nameSpace);
            EspException.Check("nvs_set_str(" + key + ")", Nvs.SetString(handle, key, value));
            EspException.Check("nvs_commit", Nvs.Commit(handle));
        }

        public bool Erase(string nameSpace, string key)
        {
            CheckName(key, "key");
            uint handle = HandleOf(nameSpace);
            int error = Nvs.EraseKey(handle, key);
            if (error == ErrNvsNotFound)
                return false;
            EspException.Check("nvs_erase_key(" + key + ")", error);
            EspException.Check("nvs_commit", Nvs.Commit(handle));
            return true;
        }

        /// <summary>A missing key is null; any other failure (a corrupt page, a value too large) is an exception, never a silent null.</summary>
        private static void NotFoundOrThrow(string operation)
        {
            int error = EspError.Last();
            if (error != ErrNvsNotFound)
                throw new EspException(operation, error);
        }

        /// <summary>NVS namespaces and keys: 1..15 characters (NVS_KEY_NAME_MAX_SIZE 16 with the terminator).</summary>
        private static void CheckName(string name, string parameter)
        {
            if (name == null || name.Length == 0 || name.Length > 15)
                throw new ArgumentException("NVS names are 1..15 characters", parameter);
        }
    }
}
