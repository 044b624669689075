using System.Text.Json;
using System.Text.Json.Nodes;

namespace Esp32.Formats.Efuse;

/// <summary>
/// The entries <c>espefuse --chip esp32 summary --format json</c> prints for the modelled fields: an object keyed
/// by field name, each with bit_len, block, category, description, efuse_type, name, pos, raw_value, readable,
/// value, word and writeable (sorted keys, 4-space indent, as espefuse's json.dumps). Read-protected fields show
/// value "?" (keys: "??" per byte) and a zero raw_value, as espefuse does; lets a user diff the simulator's
/// eFuses against a real or virtual chip.
/// </summary>
public static class EspefuseSummary
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, IndentSize = 4 };

    /// <summary>Builds the summary object (fields sorted by name).</summary>
    public static JsonObject Build(Esp32Efuses efuses)
    {
        ArgumentNullException.ThrowIfNull(efuses);
        var root = new JsonObject();
        foreach (var field in Esp32EfuseFields.All.OrderBy(f => f.Name, StringComparer.Ordinal))
            root[field.Name] = BuildEntry(efuses, field);
        return root;
    }

    /// <summary>The summary as JSON text.</summary>
    public static string ToJson(Esp32Efuses efuses) => Build(efuses).ToJsonString(WriteOptions);

    private static JsonObject BuildEntry(Esp32Efuses efuses, Esp32EfuseField field)
    {
        bool readable = efuses.IsReadable(field);
        int bitLength = field.IsKeyBlock ? efuses.Block1Length * 8 : field.BitLength;
        string efuseType = field.IsKeyBlock ? $"bytes:{efuses.Block1Length}" : field.EfuseType;
        JsonNode? value;
        string raw;
        if (field.IsKeyBlock)
        {
            byte[] bytes = efuses.ReadKeyBlock(field);
            value = EspefuseFormat.SpacedBytes(bytes, readable);
            raw = EspefuseFormat.RawBytes(bytes);
        }
        else
        {
            uint v = efuses.Read(field);
            raw = EspefuseFormat.RawHex(v, field.BitLength);
            if (field == Esp32EfuseFields.CodingScheme)
                value = EspefuseFormat.CodingSchemeName(v);
            else if (!readable)
                value = "?";
            else if (field.EfuseType == "bool")
                value = v != 0;
            else
                value = v;
        }

        // Keys in sorted order, as espefuse writes them.
        return new JsonObject
        {
            ["bit_len"] = bitLength,
            ["block"] = field.Block,
            ["category"] = field.Category,
            ["description"] = field.Description,
            ["efuse_type"] = efuseType,
            ["name"] = field.Name,
            ["pos"] = field.Position,
            ["raw_value"] = raw,
            ["readable"] = readable,
            ["value"] = value,
            ["word"] = field.Word,
            ["writeable"] = efuses.IsWriteable(field),
        };
    }
}
