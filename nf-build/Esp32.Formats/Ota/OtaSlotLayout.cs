using System.Numerics;
using Esp32.Formats.PartitionTable;

namespace Esp32.Formats.Ota;

/// <summary>
/// What the OTA decisions need to know about the partition table: the one place that says how many OTA
/// slots there are. Build it with <see cref="FromPartitionTable"/>; the constructor describes a table
/// with ota_0 … ota_(N−1) and no gap.
/// <para>
/// ESP-IDF counts OTA slots two ways, and they differ only when the ota_N numbers have a gap
/// (e.g. ota_0, ota_1, ota_3):
/// <list type="bullet">
/// <item>the bootloader (<c>bootloader_utility_load_partition_table</c>) counts every app/ota_N entry
/// (<see cref="OtaAppCount"/>, its <c>app_count</c>) and selects index <c>(seq − 1) % app_count</c>; an
/// index whose ota_N is missing (<see cref="HasOta"/> false) has a size-0 partition and cannot load, so
/// the boot falls back;</item>
/// <item>the app side (<c>esp_ota_get_app_partition_count</c>, <c>esp_ota_set_boot_partition</c>,
/// <c>esp_ota_get_boot_partition</c>, …) and otatool.py count ota_0, ota_1, … up to the first gap
/// (<see cref="ContiguousOtaAppCount"/>).</item>
/// </list>
/// </para>
/// </summary>
/// <param name="OtaAppCount">Number of app/ota_N entries: the bootloader's <c>app_count</c>, the modulus
/// of <c>(seq − 1) % app_count</c>.</param>
/// <param name="HasFactory">An app/factory partition exists.</param>
/// <param name="HasTest">An app/test partition exists.</param>
public sealed record OtaSlotLayout(int OtaAppCount, bool HasFactory, bool HasTest = false)
{
    private readonly ushort _presentOtaSlots = FirstSlots(OtaAppCount);

    /// <summary>Bit N set: an app/ota_N partition exists. Defaults to ota_0 … ota_(<see cref="OtaAppCount"/> − 1).</summary>
    public ushort PresentOtaSlots
    {
        get => _presentOtaSlots;
        init
        {
            // Each present slot is at least one entry; duplicates of one ota_N are more entries than slots.
            if (BitOperations.PopCount(value) > OtaAppCount)
                throw new ArgumentOutOfRangeException(nameof(PresentOtaSlots), value, $"more OTA slots present than the {OtaAppCount} ota entries");
            _presentOtaSlots = value;
        }
    }

    /// <summary>
    /// <c>esp_ota_get_app_partition_count()</c> and otatool's slot list: ota_0, ota_1, … counted until the
    /// first missing one. Equals <see cref="OtaAppCount"/> unless the table has gaps (or duplicate ota_N).
    /// </summary>
    public int ContiguousOtaAppCount => BitOperations.TrailingZeroCount(~(uint)_presentOtaSlots);

    /// <summary>The ota_N numbers are not 0 … app_count − 1: the bootloader and the app side disagree.</summary>
    public bool IsSparse => ContiguousOtaAppCount != OtaAppCount;

    /// <summary>An app/ota_<paramref name="index"/> partition exists.</summary>
    public bool HasOta(int index) => index is >= 0 and < PartitionSubtypes.OtaSlotCount && (_presentOtaSlots & (1 << index)) != 0;

    /// <summary>The ota_N numbers present, ascending.</summary>
    public IEnumerable<int> OtaIndices => Enumerable.Range(0, PartitionSubtypes.OtaSlotCount).Where(HasOta);

    /// <summary>
    /// The bootloader's <c>index_to_partition</c> gives a non-empty partition for this index: factory if
    /// present; OTA index N only when N &lt; app_count and ota_N exists.
    /// </summary>
    public bool BootloaderCanLoad(int index) =>
        index == AppSlot.Factory.Index ? HasFactory
        : index == AppSlot.Test.Index ? HasTest
        : index < OtaAppCount && HasOta(index);

    /// <summary>
    /// <c>find_default_boot_partition</c> (esp_ota_ops.c): factory, else the lowest ota_N, else test; null
    /// when the table has no app.
    /// </summary>
    public AppSlot? DefaultBootPartition =>
        HasFactory ? AppSlot.Factory
        : OtaIndices.Select(i => (AppSlot?)AppSlot.Ota(i)).FirstOrDefault()
        ?? (HasTest ? AppSlot.Test : null);

    /// <summary>
    /// <c>esp_ota_get_next_update_partition(NULL)</c>: the next ota_N present after the running one in slot
    /// order (gaps skipped), else the lowest present; null when there is none. On a sparse table this can
    /// be a slot beyond <see cref="ContiguousOtaAppCount"/>, which <c>esp_ota_set_boot_partition</c> then refuses.
    /// </summary>
    public AppSlot? NextUpdatePartition(AppSlot? running)
    {
        var present = OtaIndices.ToArray();
        if (present.Length == 0) return null;
        int after = running is { IsOta: true } r ? r.OtaIndex : int.MaxValue;
        int next = present.FirstOrDefault(i => i > after, -1);
        return AppSlot.Ota(running is { IsOta: true } && next >= 0 ? next : present[0]);
    }

    /// <summary>The layout of a partition table.</summary>
    public static OtaSlotLayout FromPartitionTable(PartitionTable.PartitionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var otaEntries = table.OtaAppSlots;
        ushort present = 0;
        foreach (var entry in otaEntries) present |= (ushort)(1 << entry.OtaSlot!.Value);
        return new OtaSlotLayout(otaEntries.Count, table.Factory is not null, table.Test is not null) { PresentOtaSlots = present };
    }

    /// <summary>"ota_0, ota_1, ota_3", or "none".</summary>
    public string DescribeOtaSlots() => OtaIndices.Any() ? string.Join(", ", OtaIndices.Select(i => $"ota_{i}")) : "none";

    private static ushort FirstSlots(int count) =>
        count >= 0
            ? (ushort)((1 << Math.Min(count, PartitionSubtypes.OtaSlotCount)) - 1)
            : throw new ArgumentOutOfRangeException(nameof(OtaAppCount), count, "a count of OTA entries");
}
