namespace Esp32.Formats.PartitionTable;

/// <summary>
/// gen_esp32part.py <c>PartitionTable.verify()</c> and <c>verify_size_fits()</c> (ESP-IDF v5.5), in the
/// same order, with the same wording, each message prefixed by where the offending row is.
/// </summary>
internal static class PartitionTableVerifier
{
    /// <summary>A read/write NVS partition needs at least this much (NVS_RW_MIN_PARTITION_SIZE).</summary>
    private const uint NvsReadWriteMinSize = 0x3000;

    /// <summary>Required size of the otadata (and TEE otadata) partition: two 4 KB sectors.</summary>
    private const uint OtaDataSize = 0x2000;

    /// <summary><c>get_alignment_offset_for_type</c>: apps on 64 KB (MMU page), everything else on 4 KB.</summary>
    public static long OffsetAlignment(byte type) => type == PartitionTypes.App ? 0x10000 : 0x1000;

    /// <summary><c>get_alignment_size_for_type</c> (only apps have a size rule).</summary>
    private static long AppSizeAlignment(SecureBootMode secureBoot) => secureBoot == SecureBootMode.V1 ? 0x10000 : 0x1000;

    /// <summary>
    /// What the options ask for: <c>verify()</c> unless <see cref="PartitionTableOptions.Verify"/> is off, and
    /// the flash-size check when <see cref="PartitionTableOptions.FlashSize"/> is set.
    /// </summary>
    /// <param name="table">The table to check.</param>
    /// <param name="options">Table offset, secure boot mode, flash size.</param>
    /// <param name="where">Describes entry <c>i</c> for messages, e.g. "Error at line 4".</param>
    public static void Check(PartitionTable table, PartitionTableOptions options, Func<int, string> where)
    {
        if (options.Verify) Verify(table, options, where);
        if (options.FlashSize is long flashSize) VerifyFitsFlash(table, flashSize, where);
    }

    /// <summary><c>PartitionTable.verify()</c>.</summary>
    private static void Verify(PartitionTable table, PartitionTableOptions options, Func<int, string> where)
    {
        var entries = table.Entries;
        for (int i = 0; i < entries.Count; i++) VerifyEntry(entries[i], options, where(i));

        // Duplicate names (the tool lists them, then fails).
        var firstByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            if (firstByName.TryGetValue(entries[i].Name, out int first))
                throw new Esp32FormatException(
                    $"{where(i)}: Partition names must be unique: '{entries[i].Name}' is also used by {Describe(where(first))}");
            firstByName[entries[i].Name] = i;
        }

        // Overlaps, in offset order (Python's sort is stable, so is OrderBy).
        uint tableEnd = options.TableOffset + PartitionTable.SectorSize;
        int? last = null;
        foreach (int i in Enumerable.Range(0, entries.Count).OrderBy(i => entries[i].Offset))
        {
            var p = entries[i];
            if (p.Offset < tableEnd && !PartitionCsvReader.IsPrimaryBootloaderOrTable(p.Type, p.Subtype))
                throw new Esp32FormatException($"{where(i)}: Partition offset 0x{p.Offset:x} is below 0x{tableEnd:x}");
            if (last is int l && p.Offset < entries[l].End)
                throw new Esp32FormatException(
                    $"{where(i)}: Partition at 0x{p.Offset:x} overlaps 0x{entries[l].Offset:x}-0x{entries[l].End - 1:x} ({Describe(where(l))})");
            last = i;
        }

        VerifySingleOtaData(entries, PartitionSubtypes.DataOta, "otadata", "ota", where);
        VerifySingleOtaData(entries, PartitionSubtypes.TeeOta, "TEE otadata", "tee_ota", where);
    }

    /// <summary>
    /// <c>verify_size_fits</c> (<c>--flash-size</c>): the partition with the highest offset must end within
    /// the flash. The tool runs it even with <c>--no-verify</c>.
    /// </summary>
    private static void VerifyFitsFlash(PartitionTable table, long flashSize, Func<int, string> where)
    {
        var entries = table.Entries;
        if (entries.Count == 0) return;
        // flash_size(): the end of the partition with the highest offset.
        int lastIndex = Enumerable.Range(0, entries.Count).OrderByDescending(i => entries[i].Offset).First();
        long tableSize = entries[lastIndex].End;
        if (flashSize < tableSize)
        {
            const double mb = 1024 * 1024;
            throw new Esp32FormatException(FormattableString.Invariant(
                $"{where(lastIndex)}: Partitions tables occupies {tableSize / mb:F1}MB of flash ({tableSize} bytes) which does not fit in configured flash size {(long)(flashSize / mb)}MB. Change the flash size in menuconfig under the 'Serial Flasher Config' menu."));
        }
    }

    /// <summary><c>PartitionDefinition.verify()</c>.</summary>
    private static void VerifyEntry(PartitionEntry p, PartitionTableOptions options, string where)
    {
        string Invalid(string message) => $"{where}: Partition {p.Name} invalid: {message}";

        long offsetAlign = OffsetAlignment(p.Type);
        if (p.Offset % offsetAlign != 0)
            throw new Esp32FormatException(Invalid($"Offset 0x{p.Offset:x} is not aligned to 0x{offsetAlign:x}"));
        if (p.Type == PartitionTypes.App)
        {
            long sizeAlign = AppSizeAlignment(options.SecureBoot);
            if (p.Size % sizeAlign != 0)
                throw new Esp32FormatException(Invalid($"Size 0x{p.Size:x} is not aligned to 0x{sizeAlign:x}"));
        }

        if (p.Type == PartitionTypes.Data && p.Subtype is PartitionSubtypes.DataOta or PartitionSubtypes.Coredump && p.IsReadonly)
            throw new Esp32FormatException(Invalid(
                $"'{p.Name}' partition of type {p.Type} and subtype {p.Subtype} is always read-write and cannot be read-only"));

        if (p.Type == PartitionTypes.Data && p.Subtype == PartitionSubtypes.Nvs && p.Size < NvsReadWriteMinSize && !p.IsReadonly)
            throw new Esp32FormatException(Invalid(
                $"'{p.Name}' partition of type {p.Type} and subtype {p.Subtype} of this size (0x{p.Size:x}) must be flagged as 'readonly' " +
                $"(the size of read/write NVS has to be at least 0x{NvsReadWriteMinSize:x})"));
    }

    private static void VerifySingleOtaData(IReadOnlyList<PartitionEntry> entries, byte subtype, string label, string subtypeName, Func<int, string> where)
    {
        var found = Enumerable.Range(0, entries.Count)
            .Where(i => entries[i].Type == PartitionTypes.Data && entries[i].Subtype == subtype)
            .ToList();
        if (found.Count > 1)
            throw new Esp32FormatException(
                $"{where(found[1])}: Found multiple {label} partitions. Only one partition can be defined with " +
                $"type=\"data\"(1) and subtype=\"{subtypeName}\"({(subtype == PartitionSubtypes.DataOta ? "0" : $"0x{subtype:x}")}). " +
                $"The first is at {Describe(where(found[0]))}.");
        if (found.Count == 1 && entries[found[0]].Size != OtaDataSize)
            throw new Esp32FormatException($"{where(found[0])}: {label} partition must have size = 0x{OtaDataSize:x}");
    }

    /// <summary>"Error at line 3" → "line 3", for a second location inside a message.</summary>
    private static string Describe(string where) =>
        where.StartsWith("Error at ", StringComparison.Ordinal) ? where["Error at ".Length..]
        : where.StartsWith("Error in ", StringComparison.Ordinal) ? where["Error in ".Length..]
        : where;
}
