using System.Text.Json;
using System.Text.Json.Nodes;

namespace Esp32.Formats.Efuse;

/// <summary>
/// The virtual device's eFuse file: a small JSON object naming each modelled field (espefuse names) with its raw
/// value in hex, e.g. <c>{"chip": "ESP32", "efuses": {"FLASH_CRYPT_CNT": "0x01", "BLOCK1": "0x1f1e…", …}}</c>.
/// Values are the burned bits (hardware view), formatted like espefuse's <c>raw_value</c>; fields left out are
/// unburned. This is not espefuse's <c>--path-efuse-file</c> (a bit-reversed register dump).
/// </summary>
/// <remarks>
/// Threat: BLOCK1 is written in the clear even when read-protected, because this file <em>is</em> the chip. Anyone
/// who can read it can decrypt that virtual device's flash; keep it with the same care as the key file.
/// </remarks>
public static class Esp32EfuseFile
{
    private const string ChipName = "ESP32";

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, IndentSize = 4 };

    /// <summary>Serialises every modelled field (unburned ones as zero) in espefuse definition order.</summary>
    public static string ToJson(Esp32Efuses efuses)
    {
        ArgumentNullException.ThrowIfNull(efuses);
        var fields = new JsonObject();
        foreach (var field in Esp32EfuseFields.All)
        {
            fields[field.Name] = field.IsKeyBlock
                ? EspefuseFormat.RawBytes(efuses.RawKeyBlock(field)[..efuses.Block1Length])
                : EspefuseFormat.RawHex(efuses.ReadHardware(field), field.BitLength);
        }
        var root = new JsonObject
        {
            ["chip"] = ChipName,
            ["note"] = "Virtual ESP32 eFuses: raw burned values (espefuse names and raw_value format). " +
                       "BLOCK1 is the flash encryption key in eFuse byte order (key file reversed), kept in the clear.",
            ["efuses"] = fields,
        };
        return root.ToJsonString(WriteOptions) + "\n";
    }

    /// <summary>Parses an eFuse file; <paramref name="source"/> names it in error messages.</summary>
    public static Esp32Efuses FromJson(string json, string source = "eFuse file")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new Esp32FormatException($"{source}: not valid JSON ({e.Message})", e);
        }
        if (root is not JsonObject obj)
            throw new Esp32FormatException($"{source}: expected a JSON object with \"chip\" and \"efuses\"");
        string? chip = obj["chip"] is JsonValue chipValue && chipValue.TryGetValue<string>(out var c) ? c : null;
        if (chip != ChipName)
            throw new Esp32FormatException($"{source}: \"chip\" must be \"{ChipName}\", got {(chip is null ? "nothing" : $"\"{chip}\"")}");
        if (obj["efuses"] is not JsonObject fields)
            throw new Esp32FormatException($"{source}: missing \"efuses\" object");

        var efuses = new Esp32Efuses();
        var keyBlockTexts = new List<(Esp32EfuseField Field, string Text)>();
        foreach (var (name, node) in fields)
        {
            var field = Esp32EfuseFields.Find(name)
                ?? throw new Esp32FormatException($"{source}: unknown eFuse \"{name}\" (known: {string.Join(", ", Esp32EfuseFields.All.Select(f => f.Name))})");
            if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
                throw new Esp32FormatException($"{source}: eFuse {name} must be a hex string such as \"0x1\"");
            if (field.IsKeyBlock)
            {
                keyBlockTexts.Add((field, text));
                continue;
            }
            if (!EspefuseFormat.TryParseUInt(text, out uint raw) || (raw & ~field.Mask) != 0)
                throw new Esp32FormatException($"{source}: eFuse {name} = \"{text}\" is not a {field.BitLength}-bit value");
            efuses.Restore(field, raw);
        }

        // The key blocks' width depends on CODING_SCHEME, so they are read after the scalar fields.
        foreach (var (field, text) in keyBlockTexts)
            efuses.RestoreKeyBlock(field, ParseKeyBlock(field.Name, text, efuses.Block1Length, source));
        return efuses;
    }

    /// <summary>Writes <paramref name="efuses"/> to <paramref name="path"/> (replacing it atomically).</summary>
    public static void Save(Esp32Efuses efuses, string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, ToJson(efuses));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads <paramref name="path"/>; a missing file is a blank chip (as deleting espefuse's virtual file resets it).</summary>
    public static Esp32Efuses Load(string path) =>
        File.Exists(path) ? FromJson(File.ReadAllText(path), path) : new Esp32Efuses();

    private static byte[] ParseKeyBlock(string name, string text, int length, string source)
    {
        string hex = text.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            hex = hex[2..];
        hex = hex.Replace(" ", "", StringComparison.Ordinal);
        if (hex.Length != length * 2)
            throw new Esp32FormatException($"{source}: {name} must be {length} bytes ({length * 2} hex digits) with this CODING_SCHEME, got {hex.Length} digits");
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException e)
        {
            throw new Esp32FormatException($"{source}: {name} is not hex: \"{text}\"", e);
        }
    }
}
