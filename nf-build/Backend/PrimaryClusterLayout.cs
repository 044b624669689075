using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>
/// `backend rabbitmq write --nodes N`: the primary as a cluster of N nodes in fleet.json. Node 1 keeps the primary's
/// ports; node k (2..N) gets ports.primaryPeers[k-2] (kept if already set, else the primary's MQTTS, AMQPS and
/// distribution ports + 10·(k-1)); primaryEndpoints lists every node on the host of the first endpoint, so devices
/// provisioned afterwards carry all of them in ep_primary and move to another node when theirs goes away.
/// </summary>
public static class PrimaryClusterLayout
{
    /// <summary>Sets fleet.json for <paramref name="nodes"/> primary nodes (1, or 3 and more) and returns the fleet reopened.</summary>
    public static FleetDirectory Configure(FleetDirectory fleet, int nodes)
    {
        // 3.10's MQTT plugin tracks client ids in a Raft cluster of all nodes: with 2 nodes, losing either loses the
        // majority and no MQTT client can connect (upstream: "two node clusters are not supported").
        if (nodes is < 1 or 2 or > 9)
            throw new BackendException($"--nodes {nodes}: a primary is 1 node or a cluster of 3 to 9 (RabbitMQ 3.10's MQTT client-id tracking needs a Raft majority; 2 nodes are not supported)");
        var settings = fleet.Settings;
        var ports = settings.Ports;
        var peers = ports.PrimaryPeers.Take(nodes - 1).ToList();
        for (int k = peers.Count + 2; k <= nodes; k++)
        {
            int offset = 10 * (k - 1);
            peers.Add(new ClusterNodePorts { Mqtts = ports.PrimaryMqtts + offset, Amqps = ports.PrimaryAmqps + offset, Dist = ports.PrimaryDist + offset });
        }
        ports.PrimaryPeers = peers;
        string host = settings.PrimaryEndpoints.Count > 0 ? HostOf(settings.PrimaryEndpoints[0]) : settings.BrokerHosts[0];
        settings.PrimaryEndpoints = [$"{host}:{ports.PrimaryMqtts}", .. peers.Select(p => $"{host}:{p.Mqtts}")];
        try
        {
            settings.Validate(fleet.SettingsFile);
        }
        catch (FleetException ex)
        {
            throw new BackendException(ex.Message, ex);
        }
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        return FleetDirectory.Open(fleet.Root);
    }

    private static string HostOf(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 ? endpoint[..colon] : endpoint;
    }
}
