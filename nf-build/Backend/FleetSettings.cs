using System.Text.Json;
using System.Text.Json.Serialization;

namespace NfBuild.Backend;

/// <summary>The part of &lt;fleet&gt;/fleet.json the backend needs. Unknown fields are ignored (the fleet tool owns the file).</summary>
public sealed record FleetSettings
{
    public string Name { get; init; } = "fleet";
    public string PrimaryVhost { get; init; } = "iot";
    public string FallbackVhost { get; init; } = "fallback";
    public FleetPorts Ports { get; init; } = new();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static FleetSettings Load(string path)
    {
        if (!File.Exists(path))
            throw new BackendException($"fleet settings {path} do not exist");
        FleetSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<FleetSettings>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new BackendException($"{path}: not valid fleet settings JSON: {ex.Message}", ex);
        }
        if (settings is null)
            throw new BackendException($"{path}: empty fleet settings");
        settings.Validate(path);
        return settings;
    }

    public void Validate(string where)
    {
        // Threat: the vhost names end up in rabbitmq.conf and in rabbitmqctl arguments; only plain names are allowed.
        foreach (var vhost in new[] { PrimaryVhost, FallbackVhost })
        {
            if (string.IsNullOrEmpty(vhost) || !vhost.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new BackendException($"{where}: vhost '{vhost}' must be letters, digits, '-' or '_'");
        }
        if (PrimaryVhost == FallbackVhost)
            throw new BackendException($"{where}: primaryVhost and fallbackVhost must differ");
        Ports.Validate(where);
    }
}

/// <summary>Listener and Erlang ports. The MQTTS/AMQPS ports are the contracts.md fleet.json fields; epmd and
/// distribution ports are optional extras (defaults from contracts.md).</summary>
public sealed record FleetPorts
{
    public int PrimaryMqtts { get; init; } = 18883;
    public int PrimaryAmqps { get; init; } = 15671;
    public int FallbackMqtts { get; init; } = 18884;
    public int FallbackAmqps { get; init; } = 15672;
    public int Epmd { get; init; } = 14369;
    public int PrimaryDist { get; init; } = 25672;
    public int FallbackDist { get; init; } = 25673;

    [JsonIgnore]
    public IEnumerable<(string Name, int Port)> All =>
    [
        ("primaryMqtts", PrimaryMqtts), ("primaryAmqps", PrimaryAmqps), ("fallbackMqtts", FallbackMqtts),
        ("fallbackAmqps", FallbackAmqps), ("epmd", Epmd), ("primaryDist", PrimaryDist), ("fallbackDist", FallbackDist),
    ];

    public int Mqtts(BrokerRole role) => role == BrokerRole.Primary ? PrimaryMqtts : FallbackMqtts;
    public int Amqps(BrokerRole role) => role == BrokerRole.Primary ? PrimaryAmqps : FallbackAmqps;
    public int Dist(BrokerRole role) => role == BrokerRole.Primary ? PrimaryDist : FallbackDist;

    public void Validate(string where)
    {
        var seen = new Dictionary<int, string>();
        foreach (var (name, port) in All)
        {
            if (port is < 1 or > 65535)
                throw new BackendException($"{where}: port {name} = {port} is not a TCP port");
            if (seen.TryGetValue(port, out var other))
                throw new BackendException($"{where}: ports {other} and {name} are both {port}");
            seen[port] = name;
        }
        if (Epmd == 4369)
            throw new BackendException($"{where}: epmd port 4369 is the system epmd's; give the fleet its own");
    }
}
