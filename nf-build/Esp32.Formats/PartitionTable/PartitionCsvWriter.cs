using System.Globalization;
using System.Text;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// The CSV gen_esp32part.py prints when converting a binary table (<c>to_csv(simple_formatting=False)</c>):
/// two header comment lines, then <c>name,type,subtype,offset,size,flags</c> with no spaces, type and
/// subtype as keywords where known (else decimal numbers), offset as 0x-hex, size as nM / nK when it
/// divides evenly (else 0x-hex), flags colon-separated; '\n' line ends including after the last row.
/// </summary>
public static class PartitionCsvWriter
{
    /// <summary>The two comment lines <c>to_csv</c> starts with.</summary>
    public const string Header = "# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n";

    /// <summary>The whole CSV text: <see cref="Header"/>, then one row per entry in table order.</summary>
    public static string Write(PartitionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var csv = new StringBuilder(Header);
        foreach (var entry in table.Entries) csv.Append(FormatRow(entry)).Append('\n');
        return csv.ToString();
    }

    /// <summary><c>PartitionDefinition.to_csv()</c> for one entry (no line end).</summary>
    public static string FormatRow(PartitionEntry entry) => string.Join(',',
        entry.Name,
        entry.TypeName ?? entry.Type.ToString(CultureInfo.InvariantCulture),
        entry.SubtypeName ?? entry.Subtype.ToString(CultureInfo.InvariantCulture),
        $"0x{entry.Offset:x}",
        FormatSize(entry.Size),
        FormatFlags(entry.Flags));

    private static string FormatSize(uint size) =>
        size % 0x100000 == 0 ? $"{size / 0x100000}M"
        : size % 0x400 == 0 ? $"{size / 0x400}K"
        : $"0x{size:x}";

    /// <summary>Only the flags gen_esp32part knows are printed, in its FLAGS order.</summary>
    private static string FormatFlags(PartitionFlags flags) => string.Join(':',
        new[] { (PartitionFlags.Encrypted, "encrypted"), (PartitionFlags.Readonly, "readonly") }
            .Where(f => (flags & f.Item1) != 0)
            .Select(f => f.Item2));
}
