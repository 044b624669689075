using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>Both broker nodes of a fleet, started from the files `backend rabbitmq write` produced.</summary>
public sealed partial class RabbitMqBackend : IAsyncDisposable
{
    private RabbitMqBackend(FleetDirectory fleet, RabbitMqNode primary, RabbitMqNode fallback)
    {
        Fleet = fleet;
        Primary = primary;
        Fallback = fallback;
        PrimaryAdmin = new BrokerUserAdmin(primary.Options, BrokerRole.Primary, fleet.Settings.PrimaryVhost);
        FallbackAdmin = new BrokerUserAdmin(fallback.Options, BrokerRole.Fallback, fleet.Settings.FallbackVhost);
        Admin = new FleetBrokerAdmin(PrimaryAdmin, FallbackAdmin);
    }

    public FleetDirectory Fleet { get; }
    public FleetSettings Settings => Fleet.Settings;
    public RabbitMqNode Primary { get; }
    public RabbitMqNode Fallback { get; }
    public BrokerUserAdmin PrimaryAdmin { get; }
    public BrokerUserAdmin FallbackAdmin { get; }
    /// <summary>Both nodes, as Fleet's revocation uses them.</summary>
    public FleetBrokerAdmin Admin { get; }
    /// <summary>Users the start-up reconciliation deleted ("role:user").</summary>
    public IReadOnlyList<string> RemovedStaleUsers { get; private set; } = [];

    public RabbitMqNode Node(BrokerRole role) => role == BrokerRole.Primary ? Primary : Fallback;
    public BrokerUserAdmin AdminOf(BrokerRole role) => role == BrokerRole.Primary ? PrimaryAdmin : FallbackAdmin;

    /// <summary>&lt;fleet&gt;/backend/rabbitmq/state: data, logs and cookies of both nodes, and nodes.json.</summary>
    public static string StateRoot(FleetDirectory fleet) => Path.Combine(fleet.BackendRabbitMqDirectory, "state");

    /// <summary>The node names the fleet's first start recorded (reused by every later start and by `fleet revoke --broker`).</summary>
    public static string NodesFile(FleetDirectory fleet) => Path.Combine(StateRoot(fleet), "nodes.json");

    private sealed record NodeNames(string Primary, string Fallback);

    /// <summary>The nodes of the fleet's development broker as recorded by its first start, or null if it never started.</summary>
    public static IReadOnlyDictionary<BrokerRole, RabbitMqNodeOptions>? RecordedNodes(FleetDirectory fleet)
    {
        string file = NodesFile(fleet);
        if (!File.Exists(file))
            return null;
        NodeNames names;
        try
        {
            names = JsonSerializer.Deserialize<NodeNames>(File.ReadAllText(file), NodesJson) ?? throw new BackendException($"{file} is empty");
        }
        catch (JsonException ex)
        {
            throw new BackendException($"{file}: not valid: {ex.Message}", ex);
        }
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
            };
        }
        return result;
    }

    private static readonly JsonSerializerOptions NodesJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    [GeneratedRegex("^iotdev-(primary|fallback)-[0-9a-f]{8}@localhost$")]
    private static partial Regex NodeNamePattern();

    /// <summary>The recorded nodes; on the first start, new names with a random suffix, recorded. Names are stable per fleet
    /// (the data dir - durable queues, retained status - is per node name) and unique per machine (several fleets, parallel tests).</summary>
    private static IReadOnlyDictionary<BrokerRole, RabbitMqNodeOptions> NodesForStart(FleetDirectory fleet)
    {
        if (RecordedNodes(fleet) is { } recorded)
            return recorded;
        string suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        SecureFiles.CreateDirectory(fleet.BackendRabbitMqDirectory, SecureFiles.SecretDirectory);
        SecureFiles.CreateDirectory(StateRoot(fleet), SecureFiles.SecretDirectory);
        SecureFiles.WritePublic(NodesFile(fleet), JsonSerializer.Serialize(new NodeNames($"iotdev-primary-{suffix}@localhost", $"iotdev-fallback-{suffix}@localhost"), NodesJson) + "\n");
        return RecordedNodes(fleet)!;
    }

    public static async Task<RabbitMqBackend> StartAsync(FleetDirectory fleet, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        if (!RabbitMqNode.IsInstalled())
            throw new BackendException(RabbitMqNode.NotInstalledMessage);
        var nodes = NodesForStart(fleet);
        RabbitMqNode? primary = null, fallback = null;
        try
        {
            primary = RabbitMqNode.Start(nodes[BrokerRole.Primary]);
            // epmd is started by the first node; give it a moment so the second does not race it.
            await Task.Delay(1500, cancel).ConfigureAwait(false);
            fallback = RabbitMqNode.Start(nodes[BrokerRole.Fallback]);
            var limit = timeout ?? TimeSpan.FromSeconds(90);
            await Task.WhenAll(primary.WaitUntilReadyAsync(limit, cancel), fallback.WaitUntilReadyAsync(limit, cancel)).ConfigureAwait(false);
            var backend = new RabbitMqBackend(fleet, primary, fallback);
            backend.RemovedStaleUsers = await backend.ReconcileUsersAsync(cancel).ConfigureAwait(false);
            return backend;
        }
        catch
        {
            primary?.Dispose();
            fallback?.Dispose();
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

    public async Task StopAsync()
    {
        await Task.WhenAll(Primary.StopAsync(), Fallback.StopAsync()).ConfigureAwait(false);
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
        }
    }
}
