using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Esp32.Formats.Nvs;

/// <summary>Options of <see cref="NvsPartitionGenerator"/> (the nvs_partition_gen.py command-line switches).</summary>
public sealed class NvsGeneratorOptions
{
    /// <summary>Directory that relative paths of <c>file</c> rows are resolved against (the tool uses its
    /// working directory). Default: the current directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The 64-byte XTS key (eky ‖ tky) for the <c>encrypt</c> command with <c>--inputkey</c>
    /// (the tool reads the first 64 bytes of the key file); null generates a plaintext image.</summary>
    public byte[]? EncryptionKey { get; init; }

    /// <summary>Page format version, 2 (default, multi-page blobs) or 1 (<c>--version 1</c>).</summary>
    public int Version { get; init; } = 2;

    /// <summary>Name used for the CSV in error messages.</summary>
    public string SourceName { get; init; } = "CSV";
}

/// <summary>
/// Builds an NVS partition image from a CSV file byte for byte as <c>nvs_partition_gen.py generate</c>
/// (or <c>encrypt --inputkey</c>) of esp-idf-nvs-partition-gen 0.2.0 does (the version ESP-IDF v5.5
/// installs). CSV columns: <c>key,type,encoding,value</c>; type is <c>namespace</c>, <c>data</c> or
/// <c>file</c> (value = path); encodings u8, i8, u16, i16, u32, i32, u64, i64, string, hex2bin, base64,
/// binary, and the tool's blob_fill(N;0xPP)/blob_sz_fill(N;0xPP). Bad rows throw
/// <see cref="Esp32FormatException"/> naming the CSV line.
/// </summary>
/// <remarks>
/// Where the tool would write something surprising, this generator refuses instead: a data row before the
/// first namespace row (the tool files it under namespace index 0, where the device expects namespace
/// names) and a namespace row that switches back to an older namespace (the tool keeps writing into the
/// newest one). For every other accepted CSV the output is identical.
/// </remarks>
public static partial class NvsPartitionGenerator
{
    private static readonly string[] ApKeys = ["ap.ssid", "ap.passwd", "ap.authmode"];
    private static readonly string[] StaKeys = ["sta.ssid", "sta.pswd"];

    [GeneratedRegex(@"^(blob_fill|blob_sz_fill)\((\d+);(0x[0-9a-fA-F]{2})\)", RegexOptions.CultureInvariant)]
    private static partial Regex BlobFillPattern();

    /// <summary>Reads <paramref name="csvPath"/> (UTF-8) and generates the image; <c>file</c> rows resolve
    /// against <see cref="NvsGeneratorOptions.BaseDirectory"/> (default: current directory, as the tool).</summary>
    public static byte[] GenerateFromFile(string csvPath, int size, NvsGeneratorOptions? options = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(csvPath, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new Esp32FormatException($"cannot read NVS CSV '{csvPath}': {e.Message}", e);
        }
        options ??= new NvsGeneratorOptions();
        return Generate(text, size, new NvsGeneratorOptions
        {
            BaseDirectory = options.BaseDirectory, EncryptionKey = options.EncryptionKey, Version = options.Version,
            SourceName = options.SourceName == "CSV" ? csvPath : options.SourceName,
        });
    }

    /// <summary>Generates a <paramref name="size"/>-byte image from CSV text.</summary>
    /// <param name="csvText">The CSV contents.</param>
    /// <param name="size">Partition size: a multiple of 4096, at least 0x3000 (read-write NVS).</param>
    /// <param name="options">Base directory, encryption key, format version.</param>
    public static byte[] Generate(string csvText, int size, NvsGeneratorOptions? options = null)
    {
        options ??= new NvsGeneratorOptions();
        string source = options.SourceName;
        if (size % NvsConstants.PageSize != 0)
            throw new Esp32FormatException($"NVS partition size 0x{size:X} must be a multiple of 4096");
        if (size < 3 * NvsConstants.PageSize)
            throw new Esp32FormatException($"NVS partition size 0x{size:X} is too small: a read-write NVS partition needs at least 0x3000 bytes (read-only partitions below that are not supported)");
        if (options.Version is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(options), "NVS format version must be 1 or 2");
        if (options.EncryptionKey is { Length: not NvsConstants.XtsKeySize })
            throw new Esp32FormatException($"NVS encryption key must be 64 bytes (eky ‖ tky), got {options.EncryptionKey.Length}");

        var rows = NvsCsvReader.Parse(csvText, source);
        var builder = new NvsImageBuilder(size - NvsConstants.PageSize, options.Version == 2 ? NvsConstants.Version2 : NvsConstants.Version1);
        var context = new RowContext(builder, options.BaseDirectory ?? Environment.CurrentDirectory, source);

        foreach (var row in rows)
        {
            context.Row = row;
            try
            {
                context.WriteRow();
            }
            catch (NvsImageBuilder.InsufficientSizeException)
            {
                throw new Esp32FormatException($"{source} line {row.Line}: NVS partition size 0x{size:X} is too small for the data (key '{row.Key}' does not fit)");
            }
            catch (NvsImageBuilder.PageFullException)
            {
                throw new Esp32FormatException($"{source} line {row.Line}: value of key '{row.Key}' does not fit in one page (a string can use at most 124 data entries, 3968 bytes including its NUL)");
            }
            catch (Esp32FormatException e) when (!e.Message.StartsWith(source + " line", StringComparison.Ordinal))
            {
                throw new Esp32FormatException($"{source} line {row.Line}: {e.Message}", e);
            }
        }

        var image = builder.Finish();
        if (options.EncryptionKey != null) EncryptWrittenEntries(image, options.EncryptionKey);
        return image;
    }

    /// <summary>Applies NVS encryption to a finished image: every entry marked in its page's bitmap is
    /// XTS-encrypted with its relative address as tweak (Page.encrypt_data); headers, bitmaps and unused
    /// entries stay as they are.</summary>
    private static void EncryptWrittenEntries(byte[] image, byte[] key)
    {
        using var xts = new XtsAes256(key);
        var table = new NvsEntryStateTable();
        Span<byte> tweak = stackalloc byte[16];
        Span<byte> cipher = stackalloc byte[NvsConstants.EntrySize];
        for (int page = 0; page < image.Length / NvsConstants.PageSize; page++)
        {
            int pageBase = page * NvsConstants.PageSize;
            if (BitConverter.ToUInt32(image, pageBase) == (uint)NvsPageState.Uninitialized) continue;
            table.Load(image.AsSpan(pageBase + NvsConstants.EntryTableOffset, 32));
            for (int e = 0; e < NvsConstants.EntryCount; e++)
            {
                if (table.Get(e) == NvsEntryState.Empty) continue;
                int address = pageBase + NvsConstants.EntryDataOffset + e * NvsConstants.EntrySize;
                tweak.Clear();
                BitConverter.TryWriteBytes(tweak, (uint)address);
                var plain = image.AsSpan(address, NvsConstants.EntrySize);
                xts.Encrypt(tweak, plain, cipher);
                cipher.CopyTo(plain);
            }
        }
    }

    /// <summary>State of one generate() run: the builder, the wifi bookkeeping of write_entry(), the row.</summary>
    private sealed class RowContext(NvsImageBuilder builder, string baseDirectory, string source)
    {
        private string? _apSsid, _apPasswd, _apAuthmode;
        private bool _wifiExtrasWritten;

        public NvsCsvRow Row { get; set; } = null!;

        private Esp32FormatException Error(string message) => new($"{source} line {Row.Line}: {message}");

        /// <summary>generate() row loop + module-level write_entry().</summary>
        public void WriteRow()
        {
            string key = Row.Key ?? throw Error("missing key column");
            if (new StringInfo(key).LengthInTextElements > NvsConstants.MaxKeyLength || Encoding.UTF8.GetByteCount(key) > NvsConstants.MaxKeyLength)
                throw Error($"Length of key `{key}` should be <= 15 characters.");
            string? type = Row.Type;
            string? value = Row.Value;

            // The tool derives extra wifi entries for these keys (write_entry in nvs_partition_gen.py 0.2.0).
            if (Array.IndexOf(ApKeys, key) >= 0)
            {
                if (key == "ap.ssid") _apSsid = value;
                if (key == "ap.passwd") _apPasswd = value;
                if (key == "ap.authmode" && value != "0") _apAuthmode = value;
                if (!string.IsNullOrEmpty(_apSsid) && !string.IsNullOrEmpty(_apPasswd) && !string.IsNullOrEmpty(_apAuthmode))
                {
                    byte[] pmk = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_apPasswd), Encoding.UTF8.GetBytes(_apSsid), 4096, HashAlgorithmName.SHA1, 32);
                    WriteEntry("ap.pmk_info", new string('0', 200) + Convert.ToHexStringLower(pmk), "hex2bin");
                }
            }
            if (Array.IndexOf(StaKeys, key) >= 0)
            {
                // The tool writes these before looking at the type column: a value is never read from a file.
                WriteEntry(key, value, Row.Encoding);
                if (!_wifiExtrasWritten)
                {
                    WriteEntry("sta.apinfo", new string('f', 280), "hex2bin");
                    WriteEntry("sta.pmk", new string('0', 64), "hex2bin");
                    WriteEntry("sta.apsw", "0000", "hex2bin");
                    _wifiExtrasWritten = true;
                }
                return;
            }

            switch (type)
            {
                case "namespace":
                    WriteNamespace(key);
                    return;
                case "file":
                    WriteEntry(key, ReadFile(value), Row.Encoding);
                    return;
                case "data":
                    WriteEntry(key, value, Row.Encoding);
                    return;
                default:
                    throw Error($"unknown type '{type}' for key '{key}' (expected namespace, data or file)");
            }
        }

        private void WriteNamespace(string name)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            if (builder.WriteNamespace(name, nameBytes)) return;
            if (builder.NamespaceIndexOf(name) != builder.NamespaceCount)
                throw Error($"namespace '{name}' was already used before another namespace; nvs_partition_gen.py would store the keys that follow in the newest namespace instead, so keep each namespace's keys in one block");
        }

        private byte[] ReadFile(string? path)
        {
            if (string.IsNullOrEmpty(path)) throw Error("file row without a path in the value column");
            string full = Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path);
            try
            {
                return File.ReadAllBytes(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Error($"cannot read file '{path}' (resolved to '{full}'): {e.Message}");
            }
        }

        /// <summary>NVS.write_entry: decodes the value by encoding (the checks before lower-casing are
        /// case-sensitive, as in the tool), then writes a primitive or variable-length item.</summary>
        private void WriteEntry(string key, object? value, string? encoding)
        {
            if (encoding == null) throw Error($"missing encoding for key '{key}'");
            if (builder.NamespaceCount == 0)
                throw Error($"key '{key}' comes before the first namespace row (the tool would file it under namespace index 0)");

            if (encoding.StartsWith("blob_fill", StringComparison.Ordinal) || encoding.StartsWith("blob_sz_fill", StringComparison.Ordinal))
            {
                var match = BlobFillPattern().Match(encoding);
                if (!match.Success) throw Error($"{encoding}: Invalid encoding format.");
                if (value is byte[]) throw Error($"{encoding} is not supported for file rows");
                byte padding = Convert.ToByte(match.Groups[3].Value[2..], 16);
                if (!int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int length))
                    throw Error($"{encoding}: length too large");
                var text = string.IsNullOrEmpty((string?)value) ? [] : Encoding.UTF8.GetBytes((string)value!);
                if (text.Length > length) throw Error($"{key}: Value length exceeds specified length.");
                var data = new List<byte>();
                if (match.Groups[1].Value == "blob_sz_fill") data.AddRange(BitConverter.GetBytes((uint)text.Length));
                data.AddRange(text);
                data.AddRange(Enumerable.Repeat(padding, length - text.Length));
                value = Convert.ToHexStringLower(data.ToArray());
                encoding = "hex2bin";
            }

            if (value == null) throw Error($"missing value for key '{key}'");
            try
            {
                if (encoding == "hex2bin")
                {
                    string hex = value is byte[] b ? AsciiText(b).Trim(' ', '\t', '\n', '\r', '\v', '\f') : ((string)value).Trim();
                    if (hex.Length % 2 != 0) throw Error($"{key}: Invalid data length. Should be multiple of 2.");
                    value = NvsCsvValueParser.ParseHex(hex);
                }
                else if (encoding == "base64")
                {
                    value = NvsCsvValueParser.ParseBase64(value is byte[] b ? AsciiText(b) : (string)value);
                }
                else if (encoding == "string")
                {
                    value = (value is byte[] b ? StrictUtf8(b, key) : (string)value) + "\0";
                }
            }
            catch (FormatException e)
            {
                throw Error($"bad {encoding} value for key '{key}': {e.Message}");
            }

            string lower = encoding.ToLowerInvariant();
            var keyBytes = Encoding.UTF8.GetBytes(key);
            switch (lower)
            {
                case "string" or "binary" or "hex2bin" or "base64":
                {
                    byte[] data;
                    if (value is byte[] bytes) data = bytes;
                    else if (lower == "string") data = Encoding.UTF8.GetBytes((string)value);
                    else
                    {
                        // The tool sizes text values in characters; that equals bytes only for ASCII.
                        string s = (string)value;
                        if (s.Any(c => c > 0x7F)) throw Error($"non-ASCII text value for {encoding} key '{key}' (the tool would mis-size it); use a file row");
                        data = Encoding.ASCII.GetBytes(s);
                    }
                    builder.WriteVariableLength(keyBytes, data, isString: lower == "string");
                    return;
                }
                case "u8" or "i8" or "u16" or "i16" or "u32" or "i32" or "u64" or "i64":
                {
                    string text = value is byte[] b ? AsciiText(b) : (string)value;
                    BigInteger number;
                    try
                    {
                        number = NvsCsvValueParser.ParseInt(text);
                    }
                    catch (FormatException e)
                    {
                        throw Error($"bad {lower} value for key '{key}': {e.Message}");
                    }
                    var (type, min, max) = Range(lower);
                    if (number < min || number > max)
                        throw Error($"value {number} of key '{key}' is out of range for {lower} ({min}..{max})");
                    builder.WritePrimitive(keyBytes, (ulong)(number & ulong.MaxValue), type);
                    return;
                }
                default:
                    throw Error($"{encoding}: Unsupported encoding (key '{key}'; expected u8, i8, u16, i16, u32, i32, u64, i64, string, hex2bin, base64 or binary)");
            }
        }

        private static (NvsItemType Type, BigInteger Min, BigInteger Max) Range(string encoding) => encoding switch
        {
            "u8" => (NvsItemType.U8, 0, byte.MaxValue),
            "i8" => (NvsItemType.I8, sbyte.MinValue, sbyte.MaxValue),
            "u16" => (NvsItemType.U16, 0, ushort.MaxValue),
            "i16" => (NvsItemType.I16, short.MinValue, short.MaxValue),
            "u32" => (NvsItemType.U32, 0, uint.MaxValue),
            "i32" => (NvsItemType.I32, int.MinValue, int.MaxValue),
            "u64" => (NvsItemType.U64, 0, ulong.MaxValue),
            _ => (NvsItemType.I64, long.MinValue, long.MaxValue),
        };

        private string AsciiText(byte[] bytes)
        {
            if (bytes.Any(b => b > 0x7F)) throw Error("file content is not ASCII text");
            return Encoding.ASCII.GetString(bytes);
        }

        private string StrictUtf8(byte[] bytes, string key)
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Error($"file for string key '{key}' is not valid UTF-8");
            }
        }
    }
}
