namespace Esp32.Formats.PartitionTable;

/// <summary>
/// Well-known subtype bytes (<c>esp_partition_subtype_t</c>; the names are the keywords of
/// gen_esp32part.py's <c>SUBTYPES</c> table in ESP-IDF v5.5).
/// </summary>
public static class PartitionSubtypes
{
    // type app
    /// <summary>app/factory: the app booted when otadata is blank or absent.</summary>
    public const byte Factory = 0x00;
    /// <summary>ota_0; ota_N is <c>OtaMin + N</c> for N in 0..15 (PART_SUBTYPE_OTA_FLAG | N).</summary>
    public const byte OtaMin = 0x10;
    /// <summary>ota_15.</summary>
    public const byte OtaMax = 0x1F;
    /// <summary>Number of OTA app subtypes (ota_0..ota_15).</summary>
    public const int OtaSlotCount = 16;
    /// <summary>app/test: the last resort of the bootloader's search.</summary>
    public const byte Test = 0x20;
    /// <summary>app/tee_0: TEE firmware, slot 0.</summary>
    public const byte Tee0 = 0x30;
    /// <summary>app/tee_1: TEE firmware, slot 1.</summary>
    public const byte Tee1 = 0x31;

    // type data
    /// <summary>data/ota: otadata, the two boot-selection copies.</summary>
    public const byte DataOta = 0x00;
    /// <summary>data/phy: PHY init data.</summary>
    public const byte Phy = 0x01;
    /// <summary>data/nvs: non-volatile storage.</summary>
    public const byte Nvs = 0x02;
    /// <summary>data/coredump.</summary>
    public const byte Coredump = 0x03;
    /// <summary>data/nvs_keys: the NVS encryption keys (always flash-encrypted).</summary>
    public const byte NvsKeys = 0x04;
    /// <summary>data/efuse: virtual eFuses kept in flash (CONFIG_EFUSE_VIRTUAL_KEEP_IN_FLASH).</summary>
    public const byte Efuse = 0x05;
    /// <summary>What gen_esp32part uses when a non-app row leaves the subtype empty.</summary>
    public const byte Undefined = 0x06;
    /// <summary>data/esphttpd.</summary>
    public const byte EspHttpd = 0x80;
    /// <summary>data/fat: FAT file system.</summary>
    public const byte Fat = 0x81;
    /// <summary>data/spiffs: SPIFFS file system.</summary>
    public const byte Spiffs = 0x82;
    /// <summary>data/littlefs (ESP-IDF v5.2+).</summary>
    public const byte LittleFs = 0x83;
    /// <summary>data/tee_ota: otadata of the TEE apps.</summary>
    public const byte TeeOta = 0x90;

    // types bootloader / partition_table (v5.4+)
    /// <summary>bootloader/primary and partition_table/primary.</summary>
    public const byte Primary = 0x00;
    /// <summary>bootloader/ota and partition_table/ota: where an OTA update of the bootloader or table is staged.</summary>
    public const byte OtaCopy = 0x01;
    /// <summary>Bootloader recovery copy.</summary>
    public const byte Recovery = 0x02;

    /// <summary>The app subtype for OTA slot <paramref name="slot"/> (0..15).</summary>
    public static byte Ota(int slot) =>
        slot is >= 0 and < OtaSlotCount ? (byte)(OtaMin + slot) : throw new ArgumentOutOfRangeException(nameof(slot), slot, "OTA slots are 0..15");
}
