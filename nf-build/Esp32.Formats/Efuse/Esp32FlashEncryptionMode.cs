namespace Esp32.Formats.Efuse;

/// <summary>Flash encryption mode as <c>esp_get_flash_encryption_mode()</c> derives it from the ESP32 eFuses.</summary>
public enum Esp32FlashEncryptionMode
{
    /// <summary>FLASH_CRYPT_CNT has an even number of bits set.</summary>
    Disabled,

    /// <summary>Enabled but re-flashable: FLASH_CRYPT_CNT not at 0x7F nor write-protected, or a UART download bit still open.</summary>
    Development,

    /// <summary>Enabled, FLASH_CRYPT_CNT at 0x7F or write-protected, and DISABLE_DL_ENCRYPT/DECRYPT/CACHE all burned.</summary>
    Release,
}
