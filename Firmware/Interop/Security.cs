using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>The chip's security state, read from its eFuses.</summary>
    public static class Security
    {
        /// <summary>esp_get_flash_encryption_mode: 0 disabled, 1 development, 2 release.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int FlashEncryptionMode();

        /// <summary>esp_secure_boot_enabled.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern bool SecureBootEnabled();

        /// <summary>esp_efuse_read_secure_version: the anti-rollback counter (ESP32: popcount of 32 eFuse bits).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int EfuseSecureVersion();
    }
}
