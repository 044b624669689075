namespace Esp32.Formats.PartitionTable;

/// <summary>
/// The type and subtype names gen_esp32part.py (ESP-IDF v5.5) understands, in the order of its
/// <c>TYPES</c>/<c>SUBTYPES</c> dictionaries: that order is what its error messages list and what
/// <c>to_csv</c> searches when it turns a number back into a name.
/// </summary>
public static class PartitionKeywords
{
    /// <summary><c>TYPES</c>: bootloader, partition_table, app, data.</summary>
    public static IReadOnlyList<KeyValuePair<string, byte>> Types { get; } =
    [
        new("bootloader", PartitionTypes.Bootloader),
        new("partition_table", PartitionTypes.PartitionTable),
        new("app", PartitionTypes.App),
        new("data", PartitionTypes.Data),
    ];

    private static readonly Dictionary<byte, IReadOnlyList<KeyValuePair<string, byte>>> SubtypesByType = new()
    {
        [PartitionTypes.Bootloader] =
        [
            new("primary", PartitionSubtypes.Primary),
            new("ota", PartitionSubtypes.OtaCopy),
            new("recovery", PartitionSubtypes.Recovery),
        ],
        [PartitionTypes.PartitionTable] =
        [
            new("primary", PartitionSubtypes.Primary),
            new("ota", PartitionSubtypes.OtaCopy),
        ],
        // factory and test first, then the ota_N and tee_N names the PartitionDefinition class body adds.
        [PartitionTypes.App] =
        [
            new("factory", PartitionSubtypes.Factory),
            new("test", PartitionSubtypes.Test),
            .. Enumerable.Range(0, PartitionSubtypes.OtaSlotCount)
                .Select(slot => new KeyValuePair<string, byte>($"ota_{slot}", PartitionSubtypes.Ota(slot))),
            new("tee_0", PartitionSubtypes.Tee0),
            new("tee_1", PartitionSubtypes.Tee1),
        ],
        [PartitionTypes.Data] =
        [
            new("ota", PartitionSubtypes.DataOta),
            new("phy", PartitionSubtypes.Phy),
            new("nvs", PartitionSubtypes.Nvs),
            new("coredump", PartitionSubtypes.Coredump),
            new("nvs_keys", PartitionSubtypes.NvsKeys),
            new("efuse", PartitionSubtypes.Efuse),
            new("undefined", PartitionSubtypes.Undefined),
            new("esphttpd", PartitionSubtypes.EspHttpd),
            new("fat", PartitionSubtypes.Fat),
            new("spiffs", PartitionSubtypes.Spiffs),
            new("littlefs", PartitionSubtypes.LittleFs),
            new("tee_ota", PartitionSubtypes.TeeOta),
        ],
    };

    /// <summary>The subtype names defined for <paramref name="type"/> (empty for custom types).</summary>
    public static IReadOnlyList<KeyValuePair<string, byte>> SubtypesOf(byte type) =>
        SubtypesByType.TryGetValue(type, out var names) ? names : [];

    /// <summary>The name gen_esp32part prints for a type, or null when it prints the number.</summary>
    public static string? TypeName(byte type) => NameOf(Types, type);

    /// <summary>The name gen_esp32part prints for a subtype of <paramref name="type"/>, or null.</summary>
    public static string? SubtypeName(byte type, byte subtype) => NameOf(SubtypesOf(type), subtype);

    private static string? NameOf(IReadOnlyList<KeyValuePair<string, byte>> keywords, byte value)
    {
        foreach (var (name, v) in keywords)
            if (v == value) return name;
        return null;
    }
}
