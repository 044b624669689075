using System.Text.Json;
using System.Text.Json.Serialization;

namespace NfBuild.Fleet;

/// <summary>Broker ports of the development deployment (fleet.json "ports"): the listeners, and the
/// Erlang epmd and distribution ports of the two RabbitMQ nodes (`backend rabbitmq start`).</summary>
public sealed class FleetPorts
{
    public int PrimaryMqtts { get; set; } = 18883;
    public int PrimaryAmqps { get; set; } = 15671;
    public int FallbackMqtts { get; set; } = 18884;
    public int FallbackAmqps { get; set; } = 15672;

    /// <summary>The fleet's own epmd (never the system's 4369).</summary>
    public int Epmd { get; set; } = 14369;
    public int PrimaryDist { get; set; } = 25672;
    public int FallbackDist { get; set; } = 25673;

    /// <summary>Every port with its fleet.json name.</summary>
    /// <summary>
    /// The other nodes of a primary cluster (`backend rabbitmq write --nodes 3`): node 2, 3, ... (node 1 is the primary
    /// above). Empty: a single primary node.
    /// </summary>
    public List<ClusterNodePorts> PrimaryPeers { get; set; } = [];

    [JsonIgnore]
    public IEnumerable<(string Name, int Port)> All =>
    [
        ("primaryMqtts", PrimaryMqtts), ("primaryAmqps", PrimaryAmqps), ("fallbackMqtts", FallbackMqtts),
        ("fallbackAmqps", FallbackAmqps), ("epmd", Epmd), ("primaryDist", PrimaryDist), ("fallbackDist", FallbackDist),
        .. PrimaryPeers.SelectMany((p, i) => new[] { ($"primaryPeers[{i}].mqtts", p.Mqtts), ($"primaryPeers[{i}].amqps", p.Amqps), ($"primaryPeers[{i}].dist", p.Dist) }),
    ];

    /// <summary>Each port is a TCP port, no two are the same, and epmd is not the system's.</summary>
    public void Validate(string where)
    {
        PrimaryPeers ??= [];
        var seen = new Dictionary<int, string>();
        foreach (var (name, port) in All)
        {
            if (port is < 1 or > 65535)
                throw new FleetException($"{where}: port {name} = {port} is not a TCP port");
            if (seen.TryGetValue(port, out var other))
                throw new FleetException($"{where}: ports {other} and {name} are both {port}");
            seen[port] = name;
        }
        // Threat: joining the system epmd would register the fleet's nodes next to (and under the
        // control of) whatever else runs there; the fleet's nodes keep their own.
        if (Epmd == 4369)
            throw new FleetException($"{where}: epmd port 4369 is the system epmd's; give the fleet its own");
    }
}

/// <summary>
/// fleet.json: the settings every part of the system reads (JSON, camelCase). Defaults are the
/// development values; endpoints are "host:port".
/// </summary>
/// <summary>Ports of one more node of the primary cluster.</summary>
public sealed class ClusterNodePorts
{
    public int Mqtts { get; set; }
    public int Amqps { get; set; }
    public int Dist { get; set; }
}

public sealed class FleetSettings
{
    public string Name { get; set; } = "iotdevice";
    public List<string> BrokerHosts { get; set; } = ["localhost", "127.0.0.1"];
    public List<string> PrimaryEndpoints { get; set; } = [];
    public List<string> FallbackEndpoints { get; set; } = [];
    public string PrimaryVhost { get; set; } = "iot";
    public string FallbackVhost { get; set; } = "fallback";

    /// <summary>A device asks for a new certificate this many days before notAfter.</summary>
    public int RenewalWindowDays { get; set; } = 30;

    /// <summary>Lifetime of a device certificate.</summary>
    public int DeviceCertDays { get; set; } = 365;

    /// <summary>Proof of possession with an expired certificate is accepted this long after notAfter.</summary>
    public int GraceDays { get; set; } = 30;

    public FleetPorts Ports { get; set; } = new();

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Default settings for <paramref name="brokerHosts"/>: endpoints on the first host.</summary>
    public static FleetSettings CreateDefault(string name, IReadOnlyList<string> brokerHosts)
    {
        var settings = new FleetSettings { Name = name, BrokerHosts = [.. brokerHosts] };
        settings.PrimaryEndpoints = [$"{brokerHosts[0]}:{settings.Ports.PrimaryMqtts}"];
        settings.FallbackEndpoints = [$"{brokerHosts[0]}:{settings.Ports.FallbackMqtts}"];
        return settings;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static FleetSettings FromJson(string json, string source)
    {
        FleetSettings settings;
        try
        {
            settings = JsonSerializer.Deserialize<FleetSettings>(json, Json) ?? throw new FleetException($"{source}: empty settings");
        }
        catch (JsonException e)
        {
            throw new FleetException($"{source}: not valid fleet settings: {e.Message}", e);
        }
        settings.Validate(source);
        return settings;
    }

    /// <summary>Checks what the broker configuration is built from: plain vhost names, distinct ports.</summary>
    public void Validate(string where)
    {
        // Threat: the vhost names end up in rabbitmq.conf and in rabbitmqctl arguments; only plain names are allowed.
        foreach (var vhost in new[] { PrimaryVhost, FallbackVhost })
        {
            if (string.IsNullOrEmpty(vhost) || !vhost.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new FleetException($"{where}: vhost '{vhost}' must be letters, digits, '-' or '_'");
        }
        if (PrimaryVhost == FallbackVhost)
            throw new FleetException($"{where}: primaryVhost and fallbackVhost must differ");
        Ports.Validate(where);
    }
}
