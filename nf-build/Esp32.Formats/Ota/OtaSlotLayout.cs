using Esp32.Formats.PartitionTable;

namespace Esp32.Formats.Ota;

/// <summary>
/// What the OTA decisions need to know about the partition table.
/// </summary>
/// <param name="OtaAppCount">Number of app/ota_N partitions: the bootloader's <c>app_count</c>, the modulus
/// of <c>(seq − 1) % app_count</c>.</param>
/// <param name="HasFactory">An app/factory partition exists.</param>
/// <param name="HasTest">An app/test partition exists.</param>
public sealed record OtaSlotLayout(int OtaAppCount, bool HasFactory, bool HasTest = false)
{
    /// <summary>
    /// <c>esp_ota_get_app_partition_count()</c>, which the app-side functions use: ota_0, ota_1, … counted
    /// until the first missing one. Equals <see cref="OtaAppCount"/> unless the table has gaps.
    /// </summary>
    public int ContiguousOtaAppCount { get; init; } = OtaAppCount;

    /// <summary>The layout of a partition table.</summary>
    public static OtaSlotLayout FromPartitionTable(PartitionTable.PartitionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new OtaSlotLayout(table.OtaAppSlots.Count, table.Factory is not null, table.Test is not null)
        {
            ContiguousOtaAppCount = table.ContiguousOtaAppCount,
        };
    }
}
