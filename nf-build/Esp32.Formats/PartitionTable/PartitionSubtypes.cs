namespace Esp32.Formats.PartitionTable;

/// <summary>
/// Well-known subtype bytes (<c>esp_partition_subtype_t</c>; the names are the keywords of
/// gen_esp32part.py's <c>SUBTYPES</c> table in ESP-IDF v5.5).
/// </summary>
public static class PartitionSubtypes
{
    // type app
    public const byte Factory = 0x00;
    /// <summary>ota_0; ota_N is <c>OtaMin + N</c> for N in 0..15 (PART_SUBTYPE_OTA_FLAG | N).</summary>
    public const byte OtaMin = 0x10;
    public const byte OtaMax = 0x1F;
    public const int OtaSlotCount = 16;
    public const byte Test = 0x20;
    public const byte Tee0 = 0x30;
    public const byte Tee1 = 0x31;

    // type data
    public const byte DataOta = 0x00;
    public const byte Phy = 0x01;
    public const byte Nvs = 0x02;
    public const byte Coredump = 0x03;
    public const byte NvsKeys = 0x04;
    public const byte Efuse = 0x05;
    /// <summary>What gen_esp32part uses when a non-app row leaves the subtype empty.</summary>
    public const byte Undefined = 0x06;
    public const byte EspHttpd = 0x80;
    public const byte Fat = 0x81;
    public const byte Spiffs = 0x82;
    public const byte LittleFs = 0x83;
    public const byte TeeOta = 0x90;

    // types bootloader / partition_table (v5.4+)
    public const byte Primary = 0x00;
    public const byte OtaCopy = 0x01;
    /// <summary>Bootloader recovery copy.</summary>
    public const byte Recovery = 0x02;

    /// <summary>The app subtype for OTA slot <paramref name="slot"/> (0..15).</summary>
    public static byte Ota(int slot) =>
        slot is >= 0 and < OtaSlotCount ? (byte)(OtaMin + slot) : throw new ArgumentOutOfRangeException(nameof(slot), slot, "OTA slots are 0..15");
}
