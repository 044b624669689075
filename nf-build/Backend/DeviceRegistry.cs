using System.Text.Json;
using System.Text.RegularExpressions;

namespace NfBuild.Backend;

/// <summary>The fields of one &lt;fleet&gt;/registry/devices.json entry the broker configuration needs. The fleet tool
/// owns the file and writes more fields (serials, notAfter, ...); they are ignored here.</summary>
public sealed record RegistryDevice(string Id, string State, string? FallbackPasswordHash)
{
    public bool IsActive => State == "active";
}

public static partial class DeviceRegistry
{
    // Same rule as Firmware/Core/Messaging/DeviceTopics.ValidateDeviceId: a-z 0-9 '-', 1..32, no leading/trailing '-'.
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")]
    private static partial Regex DeviceIdPattern();

    public static bool IsValidDeviceId(string id) => id.Length <= 32 && DeviceIdPattern().IsMatch(id);

    /// <summary>Reads the registry: a JSON array of devices, or an object with a "devices" array.</summary>
    public static IReadOnlyList<RegistryDevice> Load(string path)
    {
        if (!File.Exists(path))
            throw new BackendException($"device registry {path} does not exist");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new BackendException($"{path}: not valid JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            JsonElement list = doc.RootElement;
            if (list.ValueKind == JsonValueKind.Object && TryGet(list, "devices", out var inner))
                list = inner;
            if (list.ValueKind != JsonValueKind.Array)
                throw new BackendException($"{path}: expected an array of devices (or {{\"devices\": [...]}})");
            var devices = new List<RegistryDevice>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            foreach (var item in list.EnumerateArray())
            {
                string where = $"{path}: device #{index++}";
                if (item.ValueKind != JsonValueKind.Object)
                    throw new BackendException($"{where} is not an object");
                string id = GetString(item, "id") ?? throw new BackendException($"{where} has no id");
                // Threat: the id becomes a broker username and part of permission regexes; an id such as ".*" or
                // "a|b" would widen a device's permissions to other devices' queues.
                if (!IsValidDeviceId(id))
                    throw new BackendException($"{where}: id '{id}' is not a device id (a-z 0-9 '-', 1..32 chars, no leading/trailing '-')");
                if (id == RabbitMqConfigWriter.RenewalServiceUser)
                    throw new BackendException($"{where}: id '{id}' is reserved for the renewal service");
                if (!ids.Add(id))
                    throw new BackendException($"{where}: id '{id}' appears twice");
                string state = GetString(item, "state") ?? throw new BackendException($"{where} ({id}) has no state");
                if (state is not ("active" or "revoked"))
                    throw new BackendException($"{where} ({id}): state '{state}' is neither active nor revoked");
                string? hash = GetString(item, "fallbackPasswordHash");
                if (hash is not null && !RabbitPasswordHash.IsWellFormed(hash))
                    throw new BackendException($"{where} ({id}): fallbackPasswordHash is not a base64 rabbit_password_hashing_sha256 hash (4-byte salt + 32-byte digest)");
                devices.Add(new RegistryDevice(id, state, hash));
            }
            return devices;
        }
    }

    private static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static string? GetString(JsonElement obj, string name) =>
        TryGet(obj, name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
