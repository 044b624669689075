using System.Text;
using System.Text.RegularExpressions;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// Reads a partition table CSV the way gen_esp32part.py (ESP-IDF v5.5) does: <c>PartitionTable.from_csv</c>
/// and <c>PartitionDefinition.from_csv</c>, followed by <c>verify()</c> and the <c>--flash-size</c> check
/// when the options ask for them. Every error names the CSV line.
/// </summary>
public static partial class PartitionCsvReader
{
    private const string FlagEncrypted = "encrypted";
    private const string FlagReadonly = "readonly";

    /// <summary>A parsed row before offsets are filled in: values are kept wide, as Python ints are.</summary>
    private sealed class Row
    {
        public required int Line;
        public required string Name;
        public required long Type;
        public required long Subtype;
        public long? Offset;
        public required long Size;
        public PartitionFlags Flags;
    }

    /// <summary>Parses <paramref name="csv"/> into a table (and verifies it unless the options say not to).</summary>
    /// <exception cref="Esp32FormatException">Any syntax or layout error; the message starts with the line.</exception>
    public static PartitionTable Read(string csv, PartitionTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(csv);
        options ??= PartitionTableOptions.Default;
        if (csv.StartsWith('\uFEFF')) csv = csv[1..]; // from_file decodes a BOM'd file as utf-8-sig

        var rows = new List<Row>();
        var lines = SplitLines(csv);
        for (int i = 0; i < lines.Count; i++)
        {
            int lineNumber = i + 1;
            try
            {
                string line = ExpandVariables(lines[i], options.Variables).Trim();
                if (line.StartsWith('#') || line.Length == 0) continue;
                rows.Add(ParseRow(line, lineNumber, options));
            }
            catch (PartitionInputException ex)
            {
                throw new Esp32FormatException($"Error at line {lineNumber}: {ex.Message}");
            }
        }

        FillOffsetsAndSizes(rows, options);
        var entries = rows.Select(ToEntry).ToList();
        var table = new PartitionTable(entries);
        PartitionTableVerifier.Check(table, options, index => $"Error at line {rows[index].Line}");
        return table;
    }

    /// <summary><c>PartitionDefinition.from_csv</c>: Name, Type, SubType, Offset, Size, Flags.</summary>
    private static Row ParseRow(string line, int lineNumber, PartitionTableOptions options)
    {
        // "line + ',,,,'" lets trailing columns be omitted; columns after the sixth are ignored.
        string[] fields = (line + ",,,,").Split(',').Select(f => f.Trim()).ToArray();

        if (fields[1].Length == 0) throw new PartitionInputException("Field 'type' can't be left empty.");
        long type = PartitionNumberParser.Parse(fields[1], PartitionKeywords.Types);

        long subtype;
        if (fields[2].Length == 0)
        {
            if (type == PartitionTypes.App) throw new PartitionInputException("App partition cannot have an empty subtype");
            subtype = PartitionSubtypes.Undefined;
        }
        else
        {
            subtype = PartitionNumberParser.Parse(fields[2], type is >= 0 and <= 0xFF ? PartitionKeywords.SubtypesOf((byte)type) : []);
        }

        long? offset = ParseAddress(fields[3], type, subtype, options);
        long size = ParseSize(fields[4], type, options) ?? throw new PartitionInputException("Size field can't be empty");

        var flags = PartitionFlags.None;
        foreach (string flag in fields[5].Split(':'))
        {
            // Flag names are matched exactly as written (case-sensitive, no trimming around ':').
            if (flag == FlagEncrypted) flags |= PartitionFlags.Encrypted;
            else if (flag == FlagReadonly) flags |= PartitionFlags.Readonly;
            else if (flag.Length > 0) throw new PartitionInputException($"CSV flag column contains unknown flag '{flag}'");
        }

        if (type is < 0 or > 0xFF) throw new PartitionInputException($"Type {PartitionNumberParser.Hex(type)} does not fit in a byte");
        if (subtype is < 0 or > 0xFF) throw new PartitionInputException($"Subtype {PartitionNumberParser.Hex(subtype)} does not fit in a byte");
        return new Row { Line = lineNumber, Name = fields[0], Type = type, Subtype = subtype, Offset = offset, Size = size, Flags = flags };
    }

    /// <summary><c>parse_address</c>: bootloader and partition-table rows take their offsets from the options.</summary>
    private static long? ParseAddress(string text, long type, long subtype, PartitionTableOptions options)
    {
        if (type == PartitionTypes.Bootloader)
        {
            if (subtype == PartitionSubtypes.Primary)
                return options.PrimaryBootloaderOffset
                    ?? throw new PartitionInputException("Primary bootloader offset is not defined. Please use --primary-bootloader-offset");
            if (subtype == PartitionSubtypes.Recovery)
                return options.RecoveryBootloaderOffset
                    ?? throw new PartitionInputException("Recovery bootloader offset is not defined. Please use --recovery-bootloader-offset");
        }
        if (type == PartitionTypes.PartitionTable && subtype == PartitionSubtypes.Primary) return options.TableOffset;
        return text.Length == 0 ? null : PartitionNumberParser.Parse(text, []);
    }

    /// <summary><c>parse_size</c>: bootloader rows span up to the table, table rows are one sector.</summary>
    private static long? ParseSize(string text, long type, PartitionTableOptions options)
    {
        if (type == PartitionTypes.Bootloader)
        {
            uint primary = options.PrimaryBootloaderOffset
                ?? throw new PartitionInputException("Primary bootloader offset is not defined. Please use --primary-bootloader-offset");
            return (long)options.TableOffset - primary;
        }
        if (type == PartitionTypes.PartitionTable) return PartitionTable.SectorSize;
        return text.Length == 0 ? null : PartitionNumberParser.Parse(text, []);
    }

    /// <summary>
    /// The second half of <c>PartitionTable.from_csv</c>: rows must come in flash order; an empty offset
    /// continues after the previous row (the first after the table sector), aligned to 0x10000 for apps
    /// and 0x1000 otherwise; a negative size means "up to this end address".
    /// </summary>
    private static void FillOffsetsAndSizes(List<Row> rows, PartitionTableOptions options)
    {
        long lastEnd = (long)options.TableOffset + PartitionTable.SectorSize;
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (IsPrimaryBootloaderOrTable(row.Type, row.Subtype)) continue;
            if (row.Offset is long explicitOffset && explicitOffset < lastEnd)
            {
                throw new Esp32FormatException(i == 0
                    ? $"CSV Error at line {row.Line}: Partitions overlap. Partition sets offset {PartitionNumberParser.Hex(explicitOffset)}. " +
                      $"But partition table occupies the whole sector {PartitionNumberParser.Hex(options.TableOffset)}. " +
                      $"Use a free offset {PartitionNumberParser.Hex(lastEnd)} or higher."
                    : $"CSV Error at line {row.Line}: Partitions overlap. Partition sets offset {PartitionNumberParser.Hex(explicitOffset)}. " +
                      $"Previous partition ends {PartitionNumberParser.Hex(lastEnd)}");
            }
            if (row.Offset is null)
            {
                long align = PartitionTableVerifier.OffsetAlignment((byte)row.Type);
                if (lastEnd % align != 0) lastEnd += align - lastEnd % align;
                row.Offset = lastEnd;
            }
            if (row.Size < 0) row.Size = -row.Size - row.Offset.Value;
            lastEnd = row.Offset.Value + row.Size;
        }
    }

    internal static bool IsPrimaryBootloaderOrTable(long type, long subtype) =>
        (type == PartitionTypes.Bootloader || type == PartitionTypes.PartitionTable) && subtype == PartitionSubtypes.Primary;

    private static PartitionEntry ToEntry(Row row)
    {
        long offset = row.Offset!.Value;
        if (offset is < 0 or > uint.MaxValue)
            throw new Esp32FormatException($"Error at line {row.Line}: offset {PartitionNumberParser.Hex(offset)} does not fit in 32 bits");
        if (row.Size < 0)
            throw new Esp32FormatException(
                $"Error at line {row.Line}: size resolves to -0x{-row.Size:x}: a negative size is an end address and must lie after the offset {PartitionNumberParser.Hex(offset)}");
        if (row.Size > uint.MaxValue)
            throw new Esp32FormatException($"Error at line {row.Line}: size {PartitionNumberParser.Hex(row.Size)} does not fit in 32 bits");
        return new PartitionEntry(row.Name, (byte)row.Type, (byte)row.Subtype, (uint)offset, (uint)row.Size, row.Flags);
    }

    /// <summary>Python <c>str.splitlines()</c>: every line boundary Python knows, CRLF counted once.</summary>
    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                lines.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        if (current.Length > 0) lines.Add(current.ToString());
        return lines;
    }

    /// <summary>
    /// <c>os.path.expandvars</c> with the given variables (unknown ones stay as written), then the tool's
    /// check that a line does not start with an unexpanded <c>$NAME</c>.
    /// </summary>
    private static string ExpandVariables(string line, IReadOnlyDictionary<string, string>? variables)
    {
        if (!line.Contains('$')) return line;
        string expanded = VariablePattern().Replace(line, m =>
        {
            string name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return variables is not null && variables.TryGetValue(name, out var value) ? value : m.Value;
        });
        var unknown = LeadingVariablePattern().Match(expanded);
        if (unknown.Success) throw new PartitionInputException($"unknown variable '{unknown.Groups[1].Value}'");
        return expanded;
    }

    [GeneratedRegex(@"\$(?:([A-Za-z0-9_]+)|\{([^}]*)\})")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex LeadingVariablePattern();
}
