using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>Both broker nodes of a fleet, started from the files `backend rabbitmq write` produced.</summary>
public sealed partial class RabbitMqBackend : IAsyncDisposable
{
    private RabbitMqBackend(FleetDirectory fleet, RabbitMqNode primary, RabbitMqNode fallback, IReadOnlyList<RabbitMqNode> peers)
    {
        Fleet = fleet;
        Primary = primary;
        Fallback = fallback;
        PrimaryPeers = peers;
        PrimaryAdmin = new BrokerUserAdmin(primary.Options, BrokerRole.Primary, fleet.Settings.PrimaryVhost);
        FallbackAdmin = new BrokerUserAdmin(fallback.Options, BrokerRole.Fallback, fleet.Settings.FallbackVhost);
        Admin = new FleetBrokerAdmin(PrimaryAdmin, FallbackAdmin);
    }

    public FleetDirectory Fleet { get; }
    public FleetSettings Settings => Fleet.Settings;
    public RabbitMqNode Primary { get; }
    public RabbitMqNode Fallback { get; }
    /// <summary>Nodes 2, 3, ... of a primary cluster (empty for a single primary node).</summary>
    public IReadOnlyList<RabbitMqNode> PrimaryPeers { get; }
    /// <summary>Every node of the primary cluster, node 1 first.</summary>
    public IEnumerable<RabbitMqNode> PrimaryNodes => [Primary, .. PrimaryPeers];
    public BrokerUserAdmin PrimaryAdmin { get; }
    public BrokerUserAdmin FallbackAdmin { get; }
    /// <summary>Both nodes, as Fleet's revocation uses them.</summary>
    public FleetBrokerAdmin Admin { get; }
    /// <summary>Users the start-up reconciliation deleted ("role:user").</summary>
    public IReadOnlyList<string> RemovedStaleUsers { get; private set; } = [];

    /// <summary>What forming the primary cluster took: each change of what the nodes reported, each repair, with seconds since the wait began.</summary>
    public IReadOnlyList<string> ClusterFormation => _formation;
    private readonly List<string> _formation = [];

    public RabbitMqNode Node(BrokerRole role) => role == BrokerRole.Primary ? Primary : Fallback;
    public BrokerUserAdmin AdminOf(BrokerRole role) => role == BrokerRole.Primary ? PrimaryAdmin : FallbackAdmin;

    /// <summary>&lt;fleet&gt;/backend/rabbitmq/state: data, logs and cookies of both nodes, and nodes.json.</summary>
    public static string StateRoot(FleetDirectory fleet) => Path.Combine(fleet.BackendRabbitMqDirectory, "state");

    /// <summary>The node names the fleet's first start recorded (reused by every later start and by `fleet revoke --broker`).</summary>
    public static string NodesFile(FleetDirectory fleet) => Path.Combine(StateRoot(fleet), "nodes.json");

    private sealed record NodeNames(string Primary, string Fallback, List<string>? PrimaryPeers = null);

    /// <summary>The shared cookie of a primary cluster's nodes.</summary>
    public static string ClusterCookieFile(FleetDirectory fleet) => Path.Combine(StateRoot(fleet), "primary-cluster.cookie");

    private static NodeNames ReadNames(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<NodeNames>(File.ReadAllText(file), NodesJson) ?? throw new BackendException($"{file} is empty");
        }
        catch (JsonException ex)
        {
            throw new BackendException($"{file}: not valid: {ex.Message}", ex);
        }
    }

    /// <summary>Nodes 2, 3, ... of the fleet's primary cluster as recorded (as many as fleet.json's ports.primaryPeers).</summary>
    public static IReadOnlyList<RabbitMqNodeOptions> RecordedPeers(FleetDirectory fleet)
    {
        var peers = fleet.Settings.Ports.PrimaryPeers;
        if (peers.Count == 0)
            return [];
        string file = NodesFile(fleet);
        var names = File.Exists(file) ? ReadNames(file).PrimaryPeers ?? [] : [];
        if (names.Count < peers.Count)
            throw new BackendException($"{file} records {names.Count} primary peer node names, fleet.json has {peers.Count} (run `nf-build backend rabbitmq write --nodes {peers.Count + 1}`)");
        var result = new List<RabbitMqNodeOptions>();
        for (int i = 0; i < peers.Count; i++)
        {
            if (!NodeNamePattern().IsMatch(names[i]))
                throw new BackendException($"{file}: primary peer node name '{names[i]}' is not iotdev-primary<k>-<hex>@localhost");
            result.Add(new RabbitMqNodeOptions
            {
                NodeName = names[i],
                ConfigDir = fleet.PeerConfigDirectory(i + 2),
                StateDir = Path.Combine(StateRoot(fleet), BrokerRoleExtensions.PeerDirectoryName(i + 2)),
                EpmdPort = fleet.Settings.Ports.Epmd,
                DistPort = peers[i].Dist,
                ClusterCookieFile = ClusterCookieFile(fleet),
            });
        }
        return result;
    }

    /// <summary>The nodes of the fleet's development broker as recorded by its first start, or null if it never started.</summary>
    public static IReadOnlyDictionary<BrokerRole, RabbitMqNodeOptions>? RecordedNodes(FleetDirectory fleet)
    {
        string file = NodesFile(fleet);
        if (!File.Exists(file))
            return null;
        NodeNames names = ReadNames(file);
        var result = new Dictionary<BrokerRole, RabbitMqNodeOptions>();
        foreach (var role in BrokerRoleExtensions.Both)
        {
            string name = role == BrokerRole.Primary ? names.Primary : names.Fallback;
            // Threat: the name goes to rabbitmqctl -n and the node's environment; only the shape this class writes is accepted.
            if (name is null || !NodeNamePattern().IsMatch(name))
                throw new BackendException($"{file}: {role.DirectoryName()} node name '{name}' is not iotdev-{role.DirectoryName()}-<hex>@localhost");
            result[role] = new RabbitMqNodeOptions
            {
                NodeName = name,
                ConfigDir = fleet.NodeConfigDirectory(role),
                StateDir = Path.Combine(StateRoot(fleet), role.DirectoryName()),
                EpmdPort = fleet.Settings.Ports.Epmd,
                DistPort = fleet.Settings.Ports.Dist(role),
                ClusterCookieFile = role == BrokerRole.Primary && fleet.Settings.Ports.PrimaryPeers.Count > 0 ? ClusterCookieFile(fleet) : null,
            };
        }
        return result;
    }

    private static readonly JsonSerializerOptions NodesJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    [GeneratedRegex("^iotdev-(primary[2-9]?|fallback)-[0-9a-f]{8}@localhost$")]
    private static partial Regex NodeNamePattern();

    /// <summary>The recorded nodes; on the first start, new names with a random suffix, recorded. Names are stable per fleet
    /// (the data dir - durable queues, retained status - is per node name) and unique per machine (several fleets, parallel tests).</summary>
    /// <summary>The recorded node names; on the first call, new names with a random suffix, recorded; primary peer names
    /// (iotdev-primary&lt;k&gt;-&lt;suffix&gt;) added when fleet.json has more peers than recorded.</summary>
    public static IReadOnlyDictionary<BrokerRole, RabbitMqNodeOptions> EnsureNodeNames(FleetDirectory fleet)
    {
        string file = NodesFile(fleet);
        int peers = fleet.Settings.Ports.PrimaryPeers.Count;
        NodeNames names;
        if (File.Exists(file))
        {
            names = ReadNames(file);
            if ((names.PrimaryPeers?.Count ?? 0) >= peers)
                return RecordedNodes(fleet)!;
        }
        else
        {
            string fresh = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            names = new NodeNames($"iotdev-primary-{fresh}@localhost", $"iotdev-fallback-{fresh}@localhost");
        }
        string suffix = names.Primary.Split('-')[2].Split('@')[0];
        var peerNames = names.PrimaryPeers?.ToList() ?? [];
        for (int k = peerNames.Count + 2; k <= peers + 1; k++)
            peerNames.Add($"iotdev-primary{k}-{suffix}@localhost");
        SecureFiles.CreateDirectory(fleet.BackendRabbitMqDirectory, SecureFiles.SecretDirectory);
        SecureFiles.CreateDirectory(StateRoot(fleet), SecureFiles.SecretDirectory);
        SecureFiles.WritePublic(file, JsonSerializer.Serialize(names with { PrimaryPeers = peerNames.Count > 0 ? peerNames : null }, NodesJson) + "\n");
        return RecordedNodes(fleet)!;
    }

    private static IReadOnlyDictionary<BrokerRole, RabbitMqNodeOptions> NodesForStart(FleetDirectory fleet) => EnsureNodeNames(fleet);

    public static async Task<RabbitMqBackend> StartAsync(FleetDirectory fleet, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        if (!RabbitMqNode.IsInstalled())
            throw new BackendException(RabbitMqNode.NotInstalledMessage);
        var nodes = NodesForStart(fleet);
        var peerOptions = RecordedPeers(fleet);
        RabbitMqNode? primary = null, fallback = null;
        var peers = new List<RabbitMqNode>();
        try
        {
            primary = RabbitMqNode.Start(nodes[BrokerRole.Primary]);
            // epmd is started by the first node; give it a moment so the others do not race it.
            await Task.Delay(1500, cancel).ConfigureAwait(false);
            // The rest in parallel (booting a node takes most of 10 s of CPU on 2 cores): a cluster's peers find each other
            // through classic_config (RabbitMqConfigWriter.Cluster).
            fallback = RabbitMqNode.Start(nodes[BrokerRole.Fallback]);
            foreach (var o in peerOptions)
                peers.Add(RabbitMqNode.Start(o));
            var limit = timeout ?? TimeSpan.FromSeconds(90 + 30 * peers.Count);
            await Task.WhenAll(new[] { primary, fallback }.Concat(peers).Select(n => n.WaitUntilReadyAsync(limit, cancel))).ConfigureAwait(false);
            var backend = new RabbitMqBackend(fleet, primary, fallback, peers);
            if (peers.Count > 0)
                await backend.WaitForClusterAsync(limit, cancel).ConfigureAwait(false);
            backend.RemovedStaleUsers = await backend.ReconcileUsersAsync(cancel).ConfigureAwait(false);
            return backend;
        }
        catch
        {
            primary?.Dispose();
            fallback?.Dispose();
            foreach (var p in peers)
                p.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Definitions loaded at boot add and update users but never delete one. Threat: a device revoked (registry state
    /// revoked, user deleted) while the node was down, or a guest user from an earlier boot, would otherwise keep a
    /// login. Every user that is not in the node's definitions is deleted.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconcileUsersAsync(CancellationToken cancel = default)
    {
        var removed = new List<string>();
        foreach (var role in BrokerRoleExtensions.Both)
        {
            var wanted = DefinitionsUsers(Path.Combine(Fleet.NodeConfigDirectory(role), RabbitMqNodeConfig.DefinitionsFile));
            foreach (var user in await AdminOf(role).ListUsersAsync(cancel).ConfigureAwait(false))
            {
                if (wanted.Contains(user))
                    continue;
                var r = await Node(role).CtlAsync(["delete_user", user], TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
                if (!r.Ok)
                    throw new BackendException($"could not delete stale broker user {user} on {Node(role).NodeName}, {r.Describe()}");
                removed.Add($"{role.DirectoryName()}:{user}");
            }
        }
        return removed;
    }

    private static HashSet<string> DefinitionsUsers(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Waits until node 1 reports every primary node running in one cluster. Fails when a node formed a cluster of its
    /// own (then node 1 never lists it).
    /// </summary>
    public async Task WaitForClusterAsync(TimeSpan timeout, CancellationToken cancel = default)
    {
        var want = PrimaryNodes.Select(n => n.NodeName).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        DateTime? clusteredAt = null, repairedAt = null;
        string? stableLeader = null, reported = null;
        var began = DateTime.UtcNow;
        void Note(string what)
        {
            if (what != reported)
                _formation.Add($"{(DateTime.UtcNow - began).TotalSeconds:F1} s: {what}");
            reported = what;
        }
        while (DateTime.UtcNow < deadline)
        {
            var running = await RunningNodesAsync(Primary, cancel).ConfigureAwait(false);
            last = string.Join(", ", running);
            if (want.IsSubsetOf(running))
            {
                // 3.10's MQTT plugin registers every client id in its Raft cluster (mqtt_node) before CONNACK, through the
                // leader the connection's node knows, with a 5 s timeout: until every node's server is a member, follows the
                // same leader and can commit through it, MQTT connections are closed during CONNECT. Ready only when that
                // holds on two polls in a row (a member added late can still call an election right after joining).
                string? view = null;
                foreach (var node in PrimaryNodes)
                {
                    var tracking = await MqttTrackingAsync(node, cancel).ConfigureAwait(false);
                    if (tracking.Members < want.Count || tracking.Leader is null || (view is not null && view != tracking.Leader))
                    {
                        view = null;
                        last += $"; {node.NodeName} client-id tracking: {tracking}";
                        break;
                    }
                    view = tracking.Leader;
                }
                Note(view is null ? last : $"all {want.Count} nodes running; client-id tracking: {want.Count} members, leader {view}, commits");
                if (view is not null)
                {
                    if (stableLeader == view && await EveryNodeRunsTheVhostAsync(Note, cancel).ConfigureAwait(false)
                        && await EveryNodeAcceptsMqttLoginsAsync(Note, cancel).ConfigureAwait(false))
                        return;
                    stableLeader = view;
                    await Task.Delay(1000, cancel).ConfigureAwait(false);
                    continue;
                }
                stableLeader = null;
                // 3.10.8's mqtt_node:join_peers ignores the result of ra:add_member: when two nodes join at once, one
                // membership change is refused (one change at a time) and that node's server stays outside the Raft
                // cluster for good. Do the add_member it would have retried, from a node that has a leader.
                clusteredAt ??= DateTime.UtcNow;
                if (DateTime.UtcNow - clusteredAt > TimeSpan.FromSeconds(15) && (repairedAt is null || DateTime.UtcNow - repairedAt > TimeSpan.FromSeconds(10)))
                {
                    repairedAt = DateTime.UtcNow;
                    last += "; " + await AddMissingTrackingMembersAsync(cancel).ConfigureAwait(false);
                    Note(last);
                }
            }
            else
                Note($"running nodes [{last}]");
            await Task.Delay(500, cancel).ConfigureAwait(false);
        }
        throw new BackendException($"the primary cluster did not form within {timeout.TotalSeconds:0} s: {Primary.NodeName} sees running nodes [{last}], expected [{string.Join(", ", want)}]"
            + (_formation.Count > 0 ? $"; last steps: {string.Join(" | ", _formation.TakeLast(4))}" : ""));
    }

    /// <summary>
    /// Every primary node runs the primary vhost's processes, restarting it where it does not (what `rabbitmqctl
    /// restart_vhost` does: rabbit_vhost_sup_sup:start_vhost on that node). 3.10.8 race, seen in a 3-node start with 500
    /// devices: the vhost is created by the first node's definitions import, and rabbit_vhost_sup_sup:start_on_all_nodes
    /// skips peers that are still booting, while such a peer's own boot-time vhost recovery ran before the vhost existed;
    /// that node then answers every MQTT login with a crash (case_clause {internal_error, vhost_is_down}, the CONNECT
    /// closed without a CONNACK) for good. True when every node runs it (after any restart); false to poll again.
    /// </summary>
    private async Task<bool> EveryNodeRunsTheVhostAsync(Action<string> note, CancellationToken cancel)
    {
        string vhost = Fleet.Settings.PrimaryVhost;
        string literal = "<<\"" + vhost.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\">>";
        bool all = true;
        foreach (var node in PrimaryNodes)
        {
            var alive = await node.CtlAsync(["eval", $"rabbit_vhost_sup_sup:is_vhost_alive({literal})."], TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
            if (alive.Ok && alive.Output.Trim() == "true")
                continue;
            all = false;
            var restart = await node.CtlAsync(["restart_vhost", "-p", vhost], TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
            note($"{node.NodeName}: vhost '{vhost}' was not running there; restart_vhost: {(restart.Ok ? "done" : restart.Describe())}");
        }
        return all;
    }

    /// <summary>
    /// The end-to-end readiness check: every primary node answers an operator CONNECT with a CONNACK that accepts it
    /// (<see cref="MqttLoginProbe"/>), tried on the host of the fleet's first primary endpoint with each node's MQTTS port.
    /// False when a node's broker refuses or closes the CONNECT; a probe this host cannot make does not hold the start.
    /// </summary>
    private async Task<bool> EveryNodeAcceptsMqttLoginsAsync(Action<string> note, CancellationToken cancel)
    {
        string host = Fleet.Settings.PrimaryEndpoints.Count > 0 ? Fleet.Settings.PrimaryEndpoints[0][..Fleet.Settings.PrimaryEndpoints[0].LastIndexOf(':')] : "localhost";
        int[] ports = [Fleet.Settings.Ports.PrimaryMqtts, .. Fleet.Settings.Ports.PrimaryPeers.Select(p => p.Mqtts)];
        foreach (var (node, port) in PrimaryNodes.Zip(ports))
        {
            var (outcome, detail) = await MqttLoginProbe.TryAsync(Fleet, $"{host}:{port}", cancel).ConfigureAwait(false);
            if (outcome == MqttLoginProbe.Outcome.Accepted)
                continue;
            note($"{node.NodeName}: MQTT login probe on {host}:{port}: {detail}");
            if (outcome == MqttLoginProbe.Outcome.NotReady)
                return false;
        }
        note($"every primary node accepted an MQTT login");
        return true;
    }

    /// <summary>
    /// Adds every running node's mqtt_node server that is not a member of the client-id tracking Raft cluster
    /// (ra:add_member, as mqtt_node:join_peers does), asked of the first primary node that sees a leader. Returns what it did.
    /// </summary>
    private async Task<string> AddMissingTrackingMembersAsync(CancellationToken cancel)
    {
        const string Eval = "case ra:members(mqtt_node:server_id(), 5000) of {ok, M, {_, _}} -> "
            + "Missing = [{mqtt_node, N} || N <- rabbit_nodes:all_running(), not lists:member({mqtt_node, N}, M)], "
            + "[ra:add_member(M, Id) || Id <- Missing], length(Missing); _ -> no_leader end.";
        foreach (var node in PrimaryNodes)
        {
            var r = await node.CtlAsync(["eval", Eval], TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
            if (r.Ok && int.TryParse(r.Output.Trim(), out int added))
                return $"client-id tracking: {added} missing member(s) added via {node.NodeName}";
        }
        return "client-id tracking: no node with a leader to add missing members";
    }

    /// <summary>What one node's client-id tracking server sees.</summary>
    public readonly record struct MqttTracking(int Members, string? Leader)
    {
        public override string ToString() => Leader is null ? "no leader that commits" : $"{Members} members, leader {Leader}";
    }

    /// <summary>
    /// The MQTT client-id tracking Raft cluster as <paramref name="node"/>'s own mqtt_node server sees it: its members and
    /// leader (ra:members), and whether a consistent query through that server completes (the leader still has a quorum).
    /// Members 0 and no leader when any of that fails.
    /// </summary>
    public static async Task<MqttTracking> MqttTrackingAsync(RabbitMqNode node, CancellationToken cancel = default)
    {
        const string Eval = "S = mqtt_node:server_id(), case ra:members(S, 5000) of {ok, M, {_, L}} -> "
            + "case ra:consistent_query(S, fun(_) -> ok end, 5000) of {ok, ok, _} -> {length(M), L}; _ -> none end; _ -> none end.";
        var r = await node.CtlAsync(["eval", Eval], TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
        // Output: {3,'primary@host'}
        var m = System.Text.RegularExpressions.Regex.Match(r.Output.Trim(), @"^\{(\d+),'?([^'}]+)'?\}$");
        return r.Ok && m.Success ? new MqttTracking(int.Parse(m.Groups[1].Value), m.Groups[2].Value) : new MqttTracking(0, null);
    }

    /// <summary>The running nodes of <paramref name="node"/>'s cluster (rabbitmqctl cluster_status).</summary>
    public static async Task<IReadOnlySet<string>> RunningNodesAsync(RabbitMqNode node, CancellationToken cancel = default)
    {
        var r = await node.CtlAsync(["cluster_status", "--formatter", "json"], TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
        if (!r.Ok)
            return new HashSet<string>();
        using var doc = JsonDocument.Parse(r.Output);
        return doc.RootElement.TryGetProperty("running_nodes", out var running)
            ? running.EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();
    }

    public async Task StopAsync()
    {
        await Task.WhenAll(new[] { Primary, Fallback }.Concat(PrimaryPeers).Select(n => n.StopAsync())).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            Primary.Dispose();
            Fallback.Dispose();
            foreach (var p in PrimaryPeers)
                p.Dispose();
        }
    }
}
