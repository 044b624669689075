namespace Esp32.Formats.PartitionTable;

/// <summary>
/// Partition type bytes (<c>esp_partition_type_t</c>, <c>esp_flash_partitions.h</c> PART_TYPE_*).
/// Any other value 0x00..0xFE is a custom type that gen_esp32part accepts numerically.
/// </summary>
public static class PartitionTypes
{
    /// <summary>Application partitions (factory, ota_N, test).</summary>
    public const byte App = 0x00;

    /// <summary>Data partitions (otadata, nvs, phy, file systems, …).</summary>
    public const byte Data = 0x01;

    /// <summary>Bootloader partition (ESP-IDF v5.4+).</summary>
    public const byte Bootloader = 0x02;

    /// <summary>Partition-table partition (ESP-IDF v5.4+).</summary>
    public const byte PartitionTable = 0x03;
}
