using System.Security.Cryptography;

namespace NfBuild.Backend;

/// <summary>Both broker nodes of a fleet, started from the files `backend rabbitmq write` produced.</summary>
public sealed class RabbitMqBackend : IAsyncDisposable
{
    private RabbitMqBackend(FleetLayout fleet, FleetSettings settings, RabbitMqNode primary, RabbitMqNode fallback)
    {
        Fleet = fleet;
        Settings = settings;
        Primary = primary;
        Fallback = fallback;
        PrimaryAdmin = new BrokerUserAdmin(primary, BrokerRole.Primary, settings.PrimaryVhost);
        FallbackAdmin = new BrokerUserAdmin(fallback, BrokerRole.Fallback, settings.FallbackVhost);
    }

    public FleetLayout Fleet { get; }
    public FleetSettings Settings { get; }
    public RabbitMqNode Primary { get; }
    public RabbitMqNode Fallback { get; }
    public BrokerUserAdmin PrimaryAdmin { get; }
    public BrokerUserAdmin FallbackAdmin { get; }
    /// <summary>Users the start-up reconciliation deleted ("role:user").</summary>
    public IReadOnlyList<string> RemovedStaleUsers { get; private set; } = [];

    public RabbitMqNode Node(BrokerRole role) => role == BrokerRole.Primary ? Primary : Fallback;
    public BrokerUserAdmin Admin(BrokerRole role) => role == BrokerRole.Primary ? PrimaryAdmin : FallbackAdmin;

    /// <param name="stateRoot">Data/log/cookie dirs of both nodes (default &lt;fleet&gt;/backend/rabbitmq/state).</param>
    /// <param name="uniqueNodeNames">Random node-name suffix (tests; several fleets on one epmd). Production keeps stable
    /// names so the data dir (durable queues, retained status) survives restarts.</param>
    public static async Task<RabbitMqBackend> StartAsync(FleetLayout fleet, string? stateRoot = null, bool uniqueNodeNames = false, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        if (!RabbitMqNode.IsInstalled())
            throw new BackendException(RabbitMqNode.NotInstalledMessage);
        var settings = FleetSettings.Load(fleet.FleetJson);
        stateRoot ??= Path.Combine(fleet.RabbitMqDir, "state");
        string suffix = uniqueNodeNames ? "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) : "";
        RabbitMqNodeOptions Options(BrokerRole role) => new()
        {
            NodeName = $"iotdev-{role.DirectoryName()}{suffix}@localhost",
            ConfigDir = fleet.NodeConfigDir(role),
            StateDir = Path.Combine(stateRoot, role.DirectoryName()),
            EpmdPort = settings.Ports.Epmd,
            DistPort = settings.Ports.Dist(role),
        };
        RabbitMqNode? primary = null, fallback = null;
        try
        {
            primary = RabbitMqNode.Start(Options(BrokerRole.Primary));
            // epmd is started by the first node; give it a moment so the second does not race it.
            await Task.Delay(1500, cancel).ConfigureAwait(false);
            fallback = RabbitMqNode.Start(Options(BrokerRole.Fallback));
            var limit = timeout ?? TimeSpan.FromSeconds(90);
            await Task.WhenAll(primary.WaitUntilReadyAsync(limit, cancel), fallback.WaitUntilReadyAsync(limit, cancel)).ConfigureAwait(false);
            var backend = new RabbitMqBackend(fleet, settings, primary, fallback);
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
        foreach (var role in new[] { BrokerRole.Primary, BrokerRole.Fallback })
        {
            var wanted = DefinitionsUsers(Path.Combine(Fleet.NodeConfigDir(role), RabbitMqNodeConfig.DefinitionsFile));
            foreach (var user in await Admin(role).ListUsersAsync(cancel).ConfigureAwait(false))
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
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
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
