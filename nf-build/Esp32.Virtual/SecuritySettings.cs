namespace Esp32.Virtual;

/// <summary>
/// The sdkconfig options of the bootloader and app that change the security behaviour of the chip
/// (names as in ESP-IDF's Kconfig).
/// </summary>
public sealed record SecuritySettings
{
    /// <summary>CONFIG_SECURE_FLASH_ENC_ENABLED: the bootloader encrypts the flash on first boot.</summary>
    public bool FlashEncryption { get; init; }

    /// <summary>CONFIG_SECURE_FLASH_ENCRYPTION_MODE_RELEASE (else _DEVELOPMENT).</summary>
    public bool ReleaseMode { get; init; }

    /// <summary>CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.</summary>
    public bool AppRollback { get; init; } = true;

    /// <summary>CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (needs AppRollback and no factory partition).</summary>
    public bool AntiRollback { get; init; }

    /// <summary>CONFIG_NVS_ENCRYPTION with the flash-encryption-based key scheme (nvs_keys partition).</summary>
    public bool NvsEncryption { get; init; }

    /// <summary>Partition table offset (CONFIG_PARTITION_TABLE_OFFSET).</summary>
    public uint PartitionTableOffset { get; init; } = 0x8000;

    /// <summary>The product configuration: everything on, development mode.</summary>
    public static SecuritySettings Secure { get; } = new() { FlashEncryption = true, AntiRollback = true, NvsEncryption = true };

    /// <summary>A plain ESP-IDF project: no encryption, rollback on.</summary>
    public static SecuritySettings Plain { get; } = new();
}
