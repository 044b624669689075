using System.Diagnostics;
using System.Text;
using System.Text.Json;
using IotDevice.Core.Connectivity;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Release;
using NfBuild.Tests.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>Runs alone: it starts five RabbitMQ nodes (3-node primary cluster, fallback) on 2 shared cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrimaryClusterCollection
{
    public const string Name = "Primary cluster on RabbitMQ";
}

/// <summary>
/// Issue 10 "Beyond one broker node": `backend rabbitmq write --nodes 3` (PrimaryClusterLayout + RabbitMqConfigWriter)
/// and the start of the 3-node primary cluster on loopback (plus the fallback node), virtual Lolin32s spread over the
/// nodes (each provisioned with the endpoint list rotated so its first endpoint is another node), then one node is
/// stopped mid-scenario: its devices reconnect to the others through their endpoint list, every QoS 1 telemetry
/// message (before and during the outage) reaches the observer, and commands published to the devices while they were
/// reconnecting are delivered (their subscription queues are quorum queues: mqtt.durable_queue_type = quorum).
/// </summary>
[Collection(PrimaryClusterCollection.Name)]
public sealed class PrimaryClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Host = EndToEndFixture.Host;
    private static readonly string[] Ids = ["cl-dev-1", "cl-dev-2", "cl-dev-3"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nfb-cluster-" + Guid.NewGuid().ToString("N")[..8]);
    private RabbitMqBackend? _backend;
    private readonly List<RunningDevice> _devices = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _devices)
            d.Dispose();
        if (_backend is not null)
            await _backend.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [EndToEndFact]
    public async Task Three_node_primary_survives_a_node_loss_without_losing_qos1_messages()
    {
        try
        {
            await NodeLossScenarioAsync();
        }
        catch when (_backend is not null)
        {
            // What the nodes logged is the only record of why a broker closed a connection: keep it with the failure.
            foreach (var node in _backend.PrimaryNodes)
                output.WriteLine($"--- {node.NodeName} ---\n{node.Diagnostics()}");
            throw;
        }
    }

    private async Task NodeLossScenarioAsync()
    {
        var fleet = FleetInitializer.Create(_root, new FleetInitOptions { Name = "cluster-fleet" });
        var free = TestFleet.FreePorts(13);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
            PrimaryPeers = [new() { Mqtts = free[7], Amqps = free[8], Dist = free[9] }, new() { Mqtts = free[10], Amqps = free[11], Dist = free[12] }],
        };
        settings.PrimaryEndpoints = [$"{Host}:{free[0]}"];
        settings.FallbackEndpoints = [$"{Host}:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        ReleaseKey.Generate(_root);
        fleet = PrimaryClusterLayout.Configure(FleetDirectory.Open(_root), 3);
        var endpoints = fleet.Settings.PrimaryEndpoints.ToList();
        Assert.Equal([$"{Host}:{free[0]}", $"{Host}:{free[7]}", $"{Host}:{free[10]}"], endpoints);

        // Device i lists node i first (then the others): the devices start spread over the three nodes.
        for (int i = 0; i < Ids.Length; i++)
        {
            var s = fleet.Settings;
            s.PrimaryEndpoints = [.. endpoints.Skip(i), .. endpoints.Take(i)];
            SecureFiles.WritePublic(fleet.SettingsFile, s.ToJson());
            fleet = FleetDirectory.Open(_root);
            DeviceProvisioning.AddDevice(fleet, new AddDeviceOptions { DeviceId = Ids[i], NotAfter = DateTimeOffset.UtcNow.AddYears(1) });
        }
        fleet = PrimaryClusterLayout.Configure(fleet, 3); // fleet.json back to node order

        var written = RabbitMqConfigWriter.Write(fleet);
        Assert.Equal(2, written.PrimaryPeers.Count);
        foreach (var node in written.All.Where(n => n.Role == BrokerRole.Primary))
        {
            Assert.Contains("mqtt.durable_queue_type = quorum", node.RabbitMqConf);
            Assert.Contains("cluster_formation.classic_config.nodes.3 = ", node.RabbitMqConf);
        }
        Assert.DoesNotContain("cluster_formation", written.Fallback.RabbitMqConf);

        var started = Stopwatch.StartNew();
        _backend = await RabbitMqBackend.StartAsync(fleet);
        output.WriteLine($"3-node primary cluster + fallback started (nodes in parallel) and clustered in {started.Elapsed.TotalSeconds:F1} s");
        foreach (var f in _backend.ClusterFormation)
            output.WriteLine("  cluster: " + f);
        var running = await RabbitMqBackend.RunningNodesAsync(_backend.PrimaryPeers[1]);
        Assert.Equal(3, running.Count);

        // 3.10.8's parallel-boot race, made on purpose: node 2 without the primary vhost's processes (as when the vhost was
        // created by another node's definitions import while node 2 was still booting). Its MQTT logins then crash before
        // the CONNACK; the start's readiness check restarts the vhost there, and node 2 serves logins again.
        string node2 = $"{Host}:{fleet.Settings.Ports.PrimaryPeers[0].Mqtts}";
        var stopped = await _backend.PrimaryPeers[0].CtlAsync(["eval", $"rabbit_vhost_sup_sup:stop_and_delete_vhost(<<\"{fleet.Settings.PrimaryVhost}\">>)."]);
        Assert.True(stopped.Ok, stopped.Describe());
        var refused = await MqttLoginProbe.TryAsync(fleet, node2);
        Assert.Equal((MqttLoginProbe.Outcome.NotReady, "CONNECT closed by the broker before its CONNACK"), refused);
        int formationSteps = _backend.ClusterFormation.Count;
        await _backend.WaitForClusterAsync(TimeSpan.FromSeconds(90));
        var repair = _backend.ClusterFormation.Skip(formationSteps).ToList();
        foreach (var f in repair)
            output.WriteLine("  cluster (repair): " + f);
        Assert.Contains(repair, f => f.Contains($"{_backend.PrimaryPeers[0].NodeName}: vhost '{fleet.Settings.PrimaryVhost}' was not running there; restart_vhost: done"));
        Assert.Equal(MqttLoginProbe.Outcome.Accepted, (await MqttLoginProbe.TryAsync(fleet, node2)).Outcome);

        string observerName = "observer-cluster";
        await ImportObserverAsync(fleet, _backend.Primary, observerName);
        await using var observer = Observer.Create(fleet, observerName, Host, fleet.Settings.Ports.PrimaryMqtts);
        await observer.ConnectAsync();
        await observer.SubscribeAsync("devices/+/telemetry");

        foreach (var id in Ids)
        {
            var device = RunningDevice.Provision(_root, id);
            _devices.Add(device);
            device.Start();
        }
        await WaitAsync(() => _devices.All(d => d.Connection.State == ConnectionState.OnlinePrimary), TimeSpan.FromSeconds(40), "devices online on the primary cluster");
        int[] nodePorts = [fleet.Settings.Ports.PrimaryMqtts, .. fleet.Settings.Ports.PrimaryPeers.Select(p => p.Mqtts)];
        var before = await PlacementAsync();
        for (int i = 0; i < Ids.Length; i++)
            Assert.Equal(nodePorts[i], before[Ids[i]]); // spread: device i on node i
        // Persistent sessions' QoS 1 queues are quorum queues (mqtt.durable_queue_type = quorum, clean_session = false).
        var queues = await _backend.Primary.CtlAsync(["list_queues", "-p", fleet.Settings.PrimaryVhost, "name", "type", "--quiet", "--no-table-headers"], TimeSpan.FromSeconds(30));
        output.WriteLine("queues: " + queues.Output.Replace('\n', ';').Replace('\t', ' '));
        foreach (var id in Ids)
            Assert.Contains($"mqtt-subscription-{id}qos1\tquorum", queues.Output);

        // The renewal service on the cluster: its request and status queues are quorum queues too.
        var authority = new NfBuild.Renewal.RenewalAuthority(fleet);
        await using var service = new RenewalServiceHost(fleet, RenewalEndpoint.Of(fleet, BrokerRole.Primary, Host), new AuthorityRenewalHandler(authority), output.WriteLine);
        await service.StartAsync();
        var serviceQueues = await _backend.Primary.CtlAsync(["list_queues", "-p", fleet.Settings.PrimaryVhost, "name", "type", "--quiet", "--no-table-headers"], TimeSpan.FromSeconds(30));
        Assert.Contains($"{RabbitMqConfigWriter.RenewalQueue}\tquorum", serviceQueues.Output);
        Assert.Contains($"{RabbitMqConfigWriter.StatusQueue}\tquorum", serviceQueues.Output);

        int sent = 0;
        void Telemetry(string tag)
        {
            foreach (var d in _devices)
            {
                Assert.True(d.App.EnqueueTelemetry(Encoding.UTF8.GetBytes($"{{\"device\":\"{d.Id}\",\"n\":\"{tag}\"}}")));
                sent++;
            }
        }
        Telemetry("before");
        await WaitAsync(() => observer.Received.Count >= sent, TimeSpan.FromSeconds(20), "telemetry before the outage");

        // Node 3 goes away (clean stop: its MQTT connections close). cl-dev-3 was connected there.
        var lost = _backend.PrimaryPeers[1];
        var outage = Stopwatch.StartNew();
        await lost.StopAsync();
        output.WriteLine($"{lost.NodeName} stopped after {outage.Elapsed.TotalSeconds:F1} s");

        // While the devices of node 3 reconnect: commands to every device, and more telemetry from every device.
        foreach (var id in Ids)
            Assert.True(await observer.PublishAsync($"devices/{id}/commands", Encoding.UTF8.GetBytes("iotdevice-command-v1\nkind=ping\n")), $"command to {id} not acknowledged");
        Telemetry("during-1");
        Telemetry("during-2");

        await WaitAsync(() => _devices.All(d => d.Connection.State == ConnectionState.OnlinePrimary && d.App.CommandsReceived >= 1), TimeSpan.FromSeconds(40),
            "every device back on the primary cluster with its command");
        output.WriteLine($"devices back online with their commands {outage.Elapsed.TotalSeconds:F1} s after the stop");
        await WaitAsync(() => observer.Received.Select(m => m.Payload).Distinct().Count() >= sent, TimeSpan.FromSeconds(30), "every telemetry message");
        var after = await PlacementAsync();
        Assert.DoesNotContain(nodePorts[2], after.Values); // cl-dev-3 moved to node 1 or 2
        Assert.Equal(Ids.Length, after.Count);

        var payloads = observer.Received.Select(m => m.Payload).ToHashSet();
        foreach (var d in _devices)
            foreach (var tag in new[] { "before", "during-1", "during-2" })
                Assert.Contains($"{{\"device\":\"{d.Id}\",\"n\":\"{tag}\"}}", payloads);
        Assert.All(_devices, d => Assert.True(d.App.CommandsReceived >= 1, $"{d.Id}: command not delivered"));
        output.WriteLine($"telemetry: {sent} sent, {payloads.Count} distinct received ({observer.Received.Count} deliveries); commands delivered to all {Ids.Length} devices");

        // `fleet status`: retained messages are node-local on 3.10, so it reads every node fleet.json lists. With node 3
        // down it reports that node as unreadable and still shows every device online, cl-dev-3 from the node it moved to.
        var status = await FleetStatusReader.ReadAsync(fleet);
        output.WriteLine($"fleet status: read {string.Join(", ", status.EndpointsRead)}; errors: {string.Join("; ", status.EndpointErrors)}");
        Assert.Equal(2, status.EndpointsRead.Count);
        Assert.Single(status.EndpointErrors);
        foreach (string id in Ids)
        {
            var record = status.Devices.Single(d => d.Device.Id == id).Status;
            Assert.True(record is not null, $"{id}: no retained status on any running node");
            Assert.Equal("online", record!.Report.State);
        }
        Assert.NotEqual($"{Host}:{nodePorts[2]}", status.Devices.Single(d => d.Device.Id == Ids[2]).Status!.Endpoint);
    }

    /// <summary>Device id -> server port of its MQTT connection (3.10's list_mqtt_connections lists the whole cluster's).</summary>
    private async Task<Dictionary<string, int>> PlacementAsync()
    {
        var r = await _backend!.Primary.CtlAsync(["list_mqtt_connections", "user", "port", "--quiet", "--no-table-headers"], TimeSpan.FromSeconds(30));
        Assert.True(r.Ok, r.Describe());
        var placement = new Dictionary<string, int>();
        foreach (var line in r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('\t');
            if (f.Length == 2 && Ids.Contains(f[0]) && int.TryParse(f[1], out int port))
                placement[f[0]] = port;
        }
        output.WriteLine("MQTT connections: " + string.Join(", ", placement.Select(p => $"{p.Key} on port {p.Value}")));
        return placement;
    }

    private async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done() && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        if (!done())
        {
            foreach (var d in _devices)
                d.Dump(output);
            Assert.Fail("timed out waiting for " + what);
        }
    }

    /// <summary>Test identity (certificate login, cluster-wide user): reads telemetry of any device, writes commands.</summary>
    private static async Task ImportObserverAsync(FleetDirectory fleet, RabbitMqNode node, string name)
    {
        string queues = $"mqtt-subscription-{name}qos[01]";
        var definitions = new
        {
            users = new[] { new { name, password_hash = "", hashing_algorithm = FallbackPasswords.HashingAlgorithm, tags = Array.Empty<string>() } },
            permissions = new[] { new { user = name, vhost = fleet.Settings.PrimaryVhost, configure = $"^{queues}$", write = $"^(amq\\.topic|{queues})$", read = $"^(amq\\.topic|{queues})$" } },
            topic_permissions = new[] { new { user = name, vhost = fleet.Settings.PrimaryVhost, exchange = "amq.topic", write = "^devices\\.[a-z0-9-]{1,32}\\.commands$", read = "^devices\\.(\\*|[a-z0-9-]{1,32})\\.telemetry$" } },
        };
        string file = Path.Combine(node.Options.StateDir, $"import-{name}.json");
        SecureFiles.Write(file, JsonSerializer.SerializeToUtf8Bytes(definitions), SecureFiles.Secret);
        try
        {
            await node.CtlOrThrowAsync("import_definitions", file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
