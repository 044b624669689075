using System.Text;

namespace Esp32.Formats.Nvs;

/// <summary>One data row of an NVS CSV file, with the physical line it starts on (1-based).</summary>
/// <param name="Line">Line number in the file where the record starts.</param>
/// <param name="Key">The <c>key</c> column (null when the row is too short).</param>
/// <param name="Type">The <c>type</c> column: data, file or namespace.</param>
/// <param name="Encoding">The <c>encoding</c> column.</param>
/// <param name="Value">The <c>value</c> column.</param>
public sealed record NvsCsvRow(int Line, string? Key, string? Type, string? Encoding, string? Value);

/// <summary>
/// Reads the CSV dialect nvs_partition_gen.py accepts: the file is read as UTF-8 text with universal
/// newlines, every physical line starting with '#' is dropped first (even inside a quoted value), then
/// Python's csv module (excel dialect: ',' separator, '"' quotes, "" for a quote, quoted values may span
/// lines) parses the rest; the first row names the columns (DictReader), empty rows are skipped.
/// </summary>
public static class NvsCsvReader
{
    /// <summary>Parses <paramref name="text"/> into rows keyed by the header's column names.</summary>
    /// <exception cref="Esp32FormatException">No header, or the header lacks key/type/encoding/value.</exception>
    public static IReadOnlyList<NvsCsvRow> Parse(string text, string sourceName = "CSV")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..]; // a UTF-8 BOM is not part of the header
        text = text.Replace("\r\n", "\n").Replace('\r', '\n');

        // Physical lines (keeping their '\n') with their numbers, minus comment lines.
        var lines = new List<(int Number, string Text)>();
        int lineNumber = 0;
        for (int pos = 0; pos < text.Length;)
        {
            int nl = text.IndexOf('\n', pos);
            string line = nl < 0 ? text[pos..] : text[pos..(nl + 1)];
            pos = nl < 0 ? text.Length : nl + 1;
            lineNumber++;
            if (line[0] != '#') lines.Add((lineNumber, line));
        }

        var records = ParseRecords(lines);
        if (records.Count == 0) throw new Esp32FormatException($"{sourceName}: no header line (expected key,type,encoding,value)");
        var header = records[0].Fields;
        int Column(string name)
        {
            int index = header.IndexOf(name);
            if (index < 0)
                throw new Esp32FormatException($"{sourceName} line {records[0].Line}: header has no '{name}' column (expected key,type,encoding,value)");
            return index;
        }
        int keyCol = Column("key"), typeCol = Column("type"), encodingCol = Column("encoding"), valueCol = Column("value");

        var rows = new List<NvsCsvRow>();
        foreach (var (line, fields) in records.Skip(1))
        {
            string? Field(int i) => i < fields.Count ? fields[i] : null;
            rows.Add(new NvsCsvRow(line, Field(keyCol), Field(typeCol), Field(encodingCol), Field(valueCol)));
        }
        return rows;
    }

    /// <summary>Python csv.reader over the given lines; empty records are dropped as DictReader does.</summary>
    private static List<(int Line, List<string> Fields)> ParseRecords(List<(int Number, string Text)> lines)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, afterQuote = false, fieldStarted = false;
        int recordLine = 0;

        foreach (var (number, text) in lines)
        {
            if (!inQuotes) recordLine = number;
            foreach (char c in text)
            {
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        inQuotes = false;
                        afterQuote = true;
                    }
                    else
                    {
                        field.Append(c);
                    }
                    continue;
                }
                if (afterQuote && c == '"')
                {
                    // "" inside a quoted field: a literal quote, quoting continues.
                    field.Append('"');
                    inQuotes = true;
                    afterQuote = false;
                    continue;
                }
                afterQuote = false;
                if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                }
                else if (c == '\n')
                {
                    if (fieldStarted || fields.Count > 0 || field.Length > 0) fields.Add(field.ToString());
                    if (fields.Count > 0) records.Add((recordLine, fields));
                    fields = new List<string>();
                    field.Clear();
                    fieldStarted = false;
                }
                else if (c == '"' && !fieldStarted && field.Length == 0)
                {
                    inQuotes = true;
                    fieldStarted = true;
                }
                else
                {
                    field.Append(c);
                    fieldStarted = true;
                }
            }
        }
        if (inQuotes || fieldStarted || fields.Count > 0 || field.Length > 0)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields));
        }
        return records;
    }
}
