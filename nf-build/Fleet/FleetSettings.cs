using System.Text.Json;
using System.Text.Json.Serialization;

namespace NfBuild.Fleet;

/// <summary>Broker ports of the development deployment (fleet.json "ports").</summary>
public sealed class FleetPorts
{
    public int PrimaryMqtts { get; set; } = 18883;
    public int PrimaryAmqps { get; set; } = 15671;
    public int FallbackMqtts { get; set; } = 18884;
    public int FallbackAmqps { get; set; } = 15672;
}

/// <summary>
/// fleet.json: the settings every part of the system reads (JSON, camelCase). Defaults are the
/// development values of the contracts; endpoints are "host:port".
/// </summary>
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
        try
        {
            return JsonSerializer.Deserialize<FleetSettings>(json, Json) ?? throw new FleetException($"{source}: empty settings");
        }
        catch (JsonException e)
        {
            throw new FleetException($"{source}: not valid fleet settings: {e.Message}", e);
        }
    }
}
