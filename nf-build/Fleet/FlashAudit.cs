using Esp32.Formats;
using Esp32.Formats.PartitionTable;

namespace NfBuild.Fleet;

/// <summary>
/// Searches a raw flash dump for plaintext copies of a device's secrets, and names the partition of
/// each hit. Threat being measured: an attacker with physical access reads the whole flash over the
/// serial bootloader or by desoldering the chip; with flash and NVS encryption nothing of the key or
/// the passwords may appear in clear.
/// </summary>
public static class FlashAudit
{
    /// <summary>
    /// Every occurrence of every needle. A hit lying entirely inside a longer hit (a PEM body line inside
    /// the whole PEM, the scalar inside the DER) is reported once, as the longer one.
    /// </summary>
    public static IReadOnlyList<AuditFinding> Scan(ReadOnlySpan<byte> dump, IEnumerable<AuditNeedle> needles, PartitionTable? table)
    {
        var hits = new List<(long Offset, int Length, string Name)>();
        foreach (var needle in needles.OrderByDescending(n => n.Bytes.Length))
        {
            if (needle.Bytes.Length == 0)
                continue;
            int start = 0;
            while (start <= dump.Length - needle.Bytes.Length)
            {
                // Span.IndexOf is vectorised: a few dozen needles over 4 MB take milliseconds.
                int i = dump[start..].IndexOf(needle.Bytes);
                if (i < 0)
                    break;
                long offset = start + i;
                if (!hits.Any(h => h.Offset <= offset && offset + needle.Bytes.Length <= h.Offset + h.Length))
                    hits.Add((offset, needle.Bytes.Length, needle.Name));
                start = (int)offset + 1;
            }
        }
        return hits
            .OrderBy(h => h.Offset)
            .Select(h => new AuditFinding(h.Offset, h.Length, h.Name, PartitionOf(table, h.Offset)))
            .ToList();
    }

    /// <summary>
    /// The partition table of the dump at 0x8000, or null when it does not parse (e.g. flash-encrypted:
    /// then the audit reports offsets only).
    /// </summary>
    public static PartitionTable? TryReadTable(ReadOnlySpan<byte> dump, uint offset = PartitionTable.DefaultOffset)
    {
        if (dump.Length < offset + PartitionTable.MaxLength)
            return null;
        try
        {
            return PartitionTable.FromBinary(dump.Slice((int)offset, PartitionTable.MaxLength));
        }
        catch (Exception e) when (e is Esp32FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static string PartitionOf(PartitionTable? table, long offset)
    {
        if (table is null)
            return "unknown partition";
        if (offset >= PartitionTable.DefaultOffset && offset < PartitionTable.DefaultOffset + PartitionTable.SectorSize)
            return "partition table";
        var entry = table.Entries.FirstOrDefault(e => offset >= e.Offset && offset < e.End);
        return entry is null ? (offset < PartitionTable.DefaultOffset ? "bootloader region" : "outside any partition") : entry.Name;
    }
}
