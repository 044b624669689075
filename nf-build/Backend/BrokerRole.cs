using NfBuild.Fleet;

namespace NfBuild.Backend;

public enum BrokerRole
{
    /// <summary>mTLS MQTT, certificate login, vhost iot.</summary>
    Primary,
    /// <summary>Server-authenticated TLS MQTT, password login, vhost fallback: renewal only.</summary>
    Fallback,
}

/// <summary>What each node of a fleet uses: its folder under &lt;fleet&gt;/backend/rabbitmq/, vhost and ports (fleet.json).</summary>
public static class BrokerRoleExtensions
{
    public static readonly BrokerRole[] Both = [BrokerRole.Primary, BrokerRole.Fallback];

    public static string DirectoryName(this BrokerRole role) => role == BrokerRole.Primary ? "primary" : "fallback";

    /// <summary>&lt;fleet&gt;/backend/rabbitmq/&lt;role&gt;/: rabbitmq.conf, advanced.config, enabled_plugins, definitions.json.</summary>
    public static string NodeConfigDirectory(this FleetDirectory fleet, BrokerRole role) => Path.Combine(fleet.BackendRabbitMqDirectory, role.DirectoryName());

    public static string Vhost(this FleetSettings settings, BrokerRole role) => role == BrokerRole.Primary ? settings.PrimaryVhost : settings.FallbackVhost;
    public static int Mqtts(this FleetPorts ports, BrokerRole role) => role == BrokerRole.Primary ? ports.PrimaryMqtts : ports.FallbackMqtts;
    public static int Amqps(this FleetPorts ports, BrokerRole role) => role == BrokerRole.Primary ? ports.PrimaryAmqps : ports.FallbackAmqps;
    public static int Dist(this FleetPorts ports, BrokerRole role) => role == BrokerRole.Primary ? ports.PrimaryDist : ports.FallbackDist;

    /// <summary>Node k (2, 3, ...) of a primary cluster: its folder name ("primary-2"), also its state folder's.</summary>
    public static string PeerDirectoryName(int k) => $"primary-{k}";

    /// <summary>&lt;fleet&gt;/backend/rabbitmq/primary-&lt;k&gt;/.</summary>
    public static string PeerConfigDirectory(this FleetDirectory fleet, int k) => Path.Combine(fleet.BackendRabbitMqDirectory, PeerDirectoryName(k));

    /// <summary>Nodes in the primary cluster (1 = a single primary).</summary>
    public static int PrimaryNodeCount(this FleetSettings settings) => 1 + settings.Ports.PrimaryPeers.Count;
}
