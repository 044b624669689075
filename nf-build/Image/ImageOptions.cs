namespace NfBuild.Image;

/// <summary>The two nanoFramework ESP32 targets a Lolin32 (ESP32-WROOM-32, 4 MB, no PSRAM) can run.</summary>
public enum Esp32Target
{
    /// <summary>nf-interpreter preset ESP32_REV0 (defconfig ESP32_REV0: sdkconfig.default_nopsram.esp32): any silicon revision.</summary>
    Rev0,

    /// <summary>nf-interpreter preset ESP32_REV3 (sdkconfig.default_nopsram_rev3.esp32, CONFIG_ESP32_REV_MIN_3): chip revision v3.0 or later only.</summary>
    Rev3,
}

/// <summary>ESP-IDF's flash-encryption usage mode (choice SECURE_FLASH_ENCRYPTION_MODE).</summary>
public enum FlashEncryptionMode
{
    /// <summary>Development: the ROM download mode can still write (plaintext sent, encrypted by the chip); re-flashable over UART.</summary>
    Development,

    /// <summary>Release: the bootloader burns FLASH_CRYPT_CNT to its maximum and disables the ROM's encryption use.</summary>
    Release,
}

/// <summary>What `nf-build image config` is asked for.</summary>
public sealed record ImageOptions
{
    public required Esp32Target Target { get; init; }
    public FlashEncryptionMode FlashEncryption { get; init; } = FlashEncryptionMode.Development;
    public bool SecureBoot { get; init; }

    /// <summary>CONFIG_BOOTLOADER_APP_SECURE_VERSION: the image's esp_app_desc_t.secure_version (0..32 on ESP32).</summary>
    public int SecureVersion { get; init; }

    /// <summary>CONFIG_SECURE_BOOT_SIGNING_KEY: the RSA-3072 key file, relative to the nf-interpreter checkout (or absolute).</summary>
    public string SigningKey { get; init; } = "secure_boot_signing_key.pem";

    /// <summary>The nf-interpreter CMake preset.</summary>
    public string PresetName => Target == Esp32Target.Rev0 ? "ESP32_REV0" : "ESP32_REV3";

    public static Esp32Target ParseTarget(string text) => text switch
    {
        "ESP32_REV0" => Esp32Target.Rev0,
        "ESP32_REV3" => Esp32Target.Rev3,
        _ => throw new ImageConfigException($"unknown target '{text}': ESP32_REV0 or ESP32_REV3 (a Lolin32 has no PSRAM)"),
    };

    public static FlashEncryptionMode ParseFlashEncryption(string text) => text switch
    {
        "development" => FlashEncryptionMode.Development,
        "release" => FlashEncryptionMode.Release,
        _ => throw new ImageConfigException($"unknown flash-encryption mode '{text}': development or release"),
    };

    /// <summary>Refuses combinations the chip or ESP-IDF cannot do.</summary>
    public void Validate()
    {
        if (SecureBoot && Target == Esp32Target.Rev0)
            throw new ImageConfigException(
                "--secure-boot needs --target ESP32_REV3: secure boot v2 (RSA-3072) needs ESP32 chip revision v3.0 or later " +
                "(ESP-IDF: SECURE_BOOT_V2_RSA_SUPPORTED depends on ESP32_REV_MIN_FULL >= 300), and most Lolin32 boards carry " +
                "earlier silicon; check yours with `esptool chip-id` (\"Chip is ESP32-D0WD-V3 (revision v3.0)\")");
        if (SecureVersion < 0 || SecureVersion > 32)
            throw new ImageConfigException($"--secure-version {SecureVersion}: ESP32's anti-rollback eFuse field has 32 bits, so 0..32");
        if (SecureBoot && (SigningKey.Length == 0 || SigningKey.Contains('"') || SigningKey.Contains('\n')))
            throw new ImageConfigException("--signing-key: a file path without quotes or line breaks");
    }
}
