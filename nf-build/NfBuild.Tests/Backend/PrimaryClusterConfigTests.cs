using NfBuild.Backend;
using NfBuild.Cli;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Backend;

/// <summary>`backend rabbitmq write --nodes N` (no broker needed): fleet.json, the nodes' folders and cluster settings.</summary>
public sealed class PrimaryClusterConfigTests : IDisposable
{
    private readonly TestFleet _fleet = new();

    public void Dispose() => _fleet.Dispose();

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = NfBuildCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Write_nodes_3_sets_every_endpoint_and_writes_three_clustered_primary_nodes()
    {
        var (code, output, err) = Cli("backend", "rabbitmq", "write", _fleet.Root, "--nodes", "3");
        Assert.True(code == 0, err);
        var fleet = FleetDirectory.Open(_fleet.Root);
        var ports = fleet.Settings.Ports;
        Assert.Equal(2, ports.PrimaryPeers.Count);
        Assert.Equal(ports.PrimaryMqtts + 10, ports.PrimaryPeers[0].Mqtts);
        Assert.Equal(ports.PrimaryDist + 20, ports.PrimaryPeers[1].Dist);
        Assert.Equal(3, fleet.Settings.PrimaryEndpoints.Count);
        Assert.EndsWith(":" + ports.PrimaryPeers[1].Mqtts, fleet.Settings.PrimaryEndpoints[2]);
        Assert.Contains("primary-3:", output);

        var names = RabbitMqBackend.EnsureNodeNames(fleet);
        var peers = RabbitMqBackend.RecordedPeers(fleet);
        Assert.Equal(2, peers.Count);
        Assert.Equal(peers[0].ClusterCookieFile, names[BrokerRole.Primary].ClusterCookieFile);
        Assert.Null(names[BrokerRole.Fallback].ClusterCookieFile);
        string[] all = [names[BrokerRole.Primary].NodeName, peers[0].NodeName, peers[1].NodeName];
        for (int k = 1; k <= 3; k++)
        {
            string dir = k == 1 ? fleet.NodeConfigDirectory(BrokerRole.Primary) : fleet.PeerConfigDirectory(k);
            string conf = File.ReadAllText(Path.Combine(dir, RabbitMqNodeConfig.ConfFile));
            int mqtts = k == 1 ? ports.PrimaryMqtts : ports.PrimaryPeers[k - 2].Mqtts;
            Assert.Contains($"mqtt.listeners.ssl.default = 127.0.0.1:{mqtts}\n", conf);
            Assert.Contains("mqtt.durable_queue_type = quorum\n", conf);
            Assert.Contains("cluster_partition_handling = pause_minority\n", conf);
            for (int i = 0; i < 3; i++)
                Assert.Contains($"cluster_formation.classic_config.nodes.{i + 1} = {all[i]}\n", conf);
            Assert.Contains($"load_definitions = {Path.Combine(dir, RabbitMqNodeConfig.DefinitionsFile)}", conf);
        }
        Assert.DoesNotContain("cluster_formation", File.ReadAllText(Path.Combine(fleet.NodeConfigDirectory(BrokerRole.Fallback), RabbitMqNodeConfig.ConfFile)));

        // Back to one node: no peers, no cluster settings.
        (code, _, err) = Cli("backend", "rabbitmq", "write", _fleet.Root, "--nodes", "1");
        Assert.True(code == 0, err);
        fleet = FleetDirectory.Open(_fleet.Root);
        Assert.Empty(fleet.Settings.Ports.PrimaryPeers);
        Assert.Single(fleet.Settings.PrimaryEndpoints);
        Assert.DoesNotContain("cluster_formation", File.ReadAllText(Path.Combine(fleet.NodeConfigDirectory(BrokerRole.Primary), RabbitMqNodeConfig.ConfFile)));
    }

    [Fact]
    public void Two_nodes_are_refused_with_one_error_line()
    {
        var (code, _, err) = Cli("backend", "rabbitmq", "write", _fleet.Root, "--nodes", "2");
        Assert.NotEqual(0, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("2 nodes are not supported", err);
        Assert.Empty(FleetDirectory.Open(_fleet.Root).Settings.Ports.PrimaryPeers);
    }
}
