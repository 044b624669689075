namespace Esp32.Formats.Efuse;

/// <summary>
/// The ESP32 eFuse fields the flash-encryption, NVS-encryption and anti-rollback flows use, with the positions
/// and protection bits of espefuse v5 (<c>espefuse/efuse_defs/esp32.yaml</c>) and ESP-IDF's esp_efuse_table.
/// Fields not listed here (MAC, ADC calibration, secure boot v1's ABS_DONE_0, BLOCK3 as a key…) are not modelled.
/// </summary>
public static class Esp32EfuseFields
{
    /// <summary>WR_DIS: one bit per protected group; a set bit makes those fields unburnable.</summary>
    public static readonly Esp32EfuseField WrDis = new("WR_DIS", 0, 0, 0, 16, 1, null, "uint:16", "config", "Efuse write disable mask");

    /// <summary>RD_DIS: bit0 BLOCK1, bit1 BLOCK2, bit2 BLOCK3, bit3 part of BLOCK0 (FLASH_CRYPT_CONFIG, CODING_SCHEME…).</summary>
    public static readonly Esp32EfuseField RdDis = new("RD_DIS", 0, 0, 16, 4, 0, null, "uint:4", "config", "Disable reading from BlOCK1-3");

    /// <summary>FLASH_CRYPT_CNT: 7 bits; an odd number of set bits means flash encryption is enabled.</summary>
    public static readonly Esp32EfuseField FlashCryptCnt = new("FLASH_CRYPT_CNT", 0, 0, 20, 7, 2, null, "uint:7", "flash",
        "Flash encryption is enabled if this field has an odd number of bits set");

    /// <summary>UART_DOWNLOAD_DIS (ESP32 v3+); shares write protection bit 2 with FLASH_CRYPT_CNT.</summary>
    public static readonly Esp32EfuseField UartDownloadDis = new("UART_DOWNLOAD_DIS", 0, 0, 27, 1, 2, null, "bool", "security",
        "Disable UART download mode. Valid for ESP32 V3 and newer; only");

    /// <summary>FLASH_CRYPT_CONFIG (alias ENCRYPT_CONFIG): which key-bit ranges the address tweak touches.</summary>
    public static readonly Esp32EfuseField FlashCryptConfig = new("FLASH_CRYPT_CONFIG", 0, 5, 28, 4, 10, 3, "uint:4", "flash",
        "Flash encryption config (key tweak bits)");

    /// <summary>CODING_SCHEME: 0 none (256-bit blocks), 1 3/4 (192-bit blocks), 2 repeat (unsupported), 3 none.</summary>
    public static readonly Esp32EfuseField CodingScheme = new("CODING_SCHEME", 0, 6, 0, 2, 10, 3, "uint:2", "config",
        "Efuse variable block length scheme");

    /// <summary>CONSOLE_DEBUG_DISABLE: disables the ROM BASIC interpreter fallback.</summary>
    public static readonly Esp32EfuseField ConsoleDebugDisable = new("CONSOLE_DEBUG_DISABLE", 0, 6, 2, 1, 15, null, "bool", "config",
        "Disable ROM BASIC interpreter fallback");

    /// <summary>JTAG_DISABLE (alias DISABLE_JTAG).</summary>
    public static readonly Esp32EfuseField JtagDisable = new("JTAG_DISABLE", 0, 6, 6, 1, 14, null, "bool", "jtag", "Disable JTAG");

    /// <summary>DISABLE_DL_ENCRYPT: the UART bootloader can no longer write through flash encryption.</summary>
    public static readonly Esp32EfuseField DisableDlEncrypt = new("DISABLE_DL_ENCRYPT", 0, 6, 7, 1, 15, null, "bool", "security",
        "Disable flash encryption in UART bootloader");

    /// <summary>DISABLE_DL_DECRYPT: the UART bootloader reads flash raw (no transparent decryption).</summary>
    public static readonly Esp32EfuseField DisableDlDecrypt = new("DISABLE_DL_DECRYPT", 0, 6, 8, 1, 15, null, "bool", "security",
        "Disable flash decryption in UART bootloader");

    /// <summary>DISABLE_DL_CACHE: the UART bootloader cannot use the flash cache (MMU).</summary>
    public static readonly Esp32EfuseField DisableDlCache = new("DISABLE_DL_CACHE", 0, 6, 9, 1, 15, null, "bool", "config",
        "Disable flash cache in UART bootloader");

    /// <summary>ABS_DONE_1: secure boot v2 is enabled (the ROM verifies the bootloader against BLOCK2). ESP32 v3+ only.</summary>
    public static readonly Esp32EfuseField AbsDone1 = new("ABS_DONE_1", 0, 6, 5, 1, 13, null, "bool", "security",
        "Secure boot V2 is enabled for bootloader image");

    /// <summary>BLOCK1 (alias ENCRYPT_FLASH_KEY): the flash encryption key, stored byte-reversed from the key file.</summary>
    public static readonly Esp32EfuseField Block1 = new("BLOCK1", 1, 0, 0, 256, 7, 0, "bytes:32", "security", "Flash encryption key");

    /// <summary>BLOCK2 (alias SECURE_BOOT_KEY; burn-key names secure_boot_v1/secure_boot_v2): for secure boot v2 the SHA-256
    /// of the signing key's public key block, stored in file order (not reversed), write- but not read-protected.</summary>
    public static readonly Esp32EfuseField Block2 = new("BLOCK2", 2, 0, 0, 256, 8, 1, "bytes:32", "security", "Security boot key");

    /// <summary>SECURE_VERSION (BLOCK3 word 4): anti-rollback thermometer code; the version is the number of set bits.</summary>
    public static readonly Esp32EfuseField SecureVersion = new("SECURE_VERSION", 3, 4, 0, 32, 9, 2, "uint:32", "security",
        "Secure version for anti-rollback");

    /// <summary>WR_DIS bit that write-protects DIS_CACHE (and MAC, DISABLE_APP_CPU…), burned by release mode.</summary>
    public const int WrDisBitDisCache = 3;

    /// <summary>All modelled fields, in espefuse's definition order.</summary>
    public static IReadOnlyList<Esp32EfuseField> All { get; } =
    [
        WrDis, RdDis, FlashCryptCnt, UartDownloadDis, FlashCryptConfig, CodingScheme, ConsoleDebugDisable,
        AbsDone1, JtagDisable, DisableDlEncrypt, DisableDlDecrypt, DisableDlCache, Block1, Block2, SecureVersion,
    ];

    /// <summary>Finds a field by its espefuse name (case-sensitive, as espefuse prints it), or null.</summary>
    public static Esp32EfuseField? Find(string name)
    {
        foreach (var field in All)
        {
            if (field.Name == name)
                return field;
        }
        return null;
    }
}
