using System.Text;
using System.Text.Json;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>
/// Broker-user operations on one node, over rabbitmqctl with the node's environment (cookie, epmd port): what
/// revocation (Fleet's <see cref="IBrokerUserAdmin"/>), the renewal authority and enrolment need.
/// Passwords and hashes never go on a command line (which every local user can read in /proc): users are written with
/// `rabbitmqctl import_definitions` from an owner-only temporary file that carries the hash only.
/// </summary>
public sealed class BrokerUserAdmin(RabbitMqNodeOptions node, BrokerRole role, string vhost) : IBrokerUserAdmin
{
    public BrokerRole Role => role;
    public string Vhost => vhost;

    /// <summary>Fleet's revocation hook: deletes the device user on this node (see <see cref="RemoveDeviceUserAsync"/>).</summary>
    public void RemoveUser(string deviceId) => RemoveDeviceUserAsync(deviceId).GetAwaiter().GetResult();

    private Task<CtlResult> CtlAsync(string[] args, CancellationToken cancel) =>
        RabbitMqNode.CtlAsync(node, args, TimeSpan.FromSeconds(60), cancel);

    /// <summary>Deletes the device's user; RabbitMQ closes its live connections (MQTT sessions included). No-op if it does
    /// not exist. Threat: the CRL is checked only at the TLS handshake (and ignored once outdated under best_effort), and the
    /// fallback logs in by password: without this a revoked device keeps its open session and its fallback login.</summary>
    public async Task RemoveDeviceUserAsync(string deviceId, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        var r = await CtlAsync(["delete_user", deviceId], cancel).ConfigureAwait(false);
        if (!r.Ok && !(r.Output + r.Error).Contains("does not exist", StringComparison.OrdinalIgnoreCase) && !(r.Output + r.Error).Contains("no_such_user", StringComparison.Ordinal))
            throw new BackendException($"removing broker user {deviceId} on {node.NodeName} failed, {r.Describe()}");
    }

    /// <summary>Sets (fallback) or clears (primary: certificate login only) the password; creates the user with the device
    /// permissions if absent.</summary>
    public Task AddDeviceUserAsync(string deviceId, string? fallbackPasswordHash, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        // Primary users never get a password: certificate login only, so a leaked fallback password cannot reach the primary.
        string hash = role == BrokerRole.Primary ? "" : fallbackPasswordHash ?? throw new BackendException($"a fallback user needs a password hash ({deviceId})");
        return ImportAsync(deviceId, hash, withPermissions: true, cancel);
    }

    /// <summary>Sets a user's password from its rabbit_password_hashing_sha256 hash (live connections stay; new logins need
    /// the new password).</summary>
    public Task SetPasswordHashAsync(string deviceId, string passwordHash, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        if (role == BrokerRole.Primary)
            throw new BackendException("primary users have no password (certificate login only)");
        if (!FallbackPasswords.IsWellFormedHash(passwordHash))
            throw new BackendException("not a rabbit_password_hashing_sha256 hash");
        return ImportAsync(deviceId, passwordHash, withPermissions: true, cancel);
    }

    /// <summary>Sets the passwords of several device users in one import_definitions (one rabbitmqctl run, 1–2 s, whatever
    /// the count): a batch of renewal commits. Idempotent like the single call.</summary>
    public Task SetPasswordHashesAsync(IReadOnlyList<KeyValuePair<string, string>> deviceHashes, CancellationToken cancel = default)
    {
        if (role == BrokerRole.Primary)
            throw new BackendException("primary users have no password (certificate login only)");
        foreach (var (deviceId, hash) in deviceHashes)
        {
            RequireDeviceId(deviceId);
            if (!FallbackPasswords.IsWellFormedHash(hash))
                throw new BackendException("not a rabbit_password_hashing_sha256 hash");
        }
        return deviceHashes.Count == 0 ? Task.CompletedTask : ImportAsync(deviceHashes, withPermissions: true, cancel);
    }

    /// <summary>Hashes <paramref name="password"/> here and calls <see cref="SetPasswordHashAsync"/>.</summary>
    public Task SetPasswordAsync(string deviceId, string password, CancellationToken cancel = default) =>
        SetPasswordHashAsync(deviceId, FallbackPasswords.Hash(password), cancel);

    public async Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancel = default)
    {
        var r = await CtlAsync(["list_users", "--quiet", "--no-table-headers"], cancel).ConfigureAwait(false);
        if (!r.Ok)
            throw new BackendException($"list_users on {node.NodeName} failed, {r.Describe()}");
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t', ' ')[0]).Where(n => n.Length > 0).ToList();
    }

    private static void RequireDeviceId(string id)
    {
        // Threat: the id becomes part of permission regexes; only the device-id alphabet is accepted.
        if (!DeviceIds.IsValid(id))
            throw new BackendException($"'{id}' is not a device id");
    }

    private Task ImportAsync(string id, string hash, bool withPermissions, CancellationToken cancel) =>
        ImportAsync([new KeyValuePair<string, string>(id, hash)], withPermissions, cancel);

    private async Task ImportAsync(IReadOnlyList<KeyValuePair<string, string>> users, bool withPermissions, CancellationToken cancel)
    {
        string id = users.Count == 1 ? users[0].Key : $"{users[0].Key} (+{users.Count - 1})";
        var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("users");
            foreach (var (user, hash) in users)
                RabbitMqConfigWriter.User(w, user, hash);
            w.WriteEndArray();
            if (withPermissions)
            {
                w.WriteStartArray("permissions");
                foreach (var (user, _) in users)
                    RabbitMqConfigWriter.Permission(w, user, vhost, RabbitMqConfigWriter.DevicePermissions(user));
                w.WriteEndArray();
                w.WriteStartArray("topic_permissions");
                foreach (var (user, _) in users)
                    RabbitMqConfigWriter.TopicPermission(w, user, vhost, RabbitMqConfigWriter.DeviceTopicPermissions(role));
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        string file = Path.Combine(node.StateDir, "import-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            SecureFiles.Write(file, stream.ToArray(), SecureFiles.Secret);
            var r = await CtlAsync(["import_definitions", file], cancel).ConfigureAwait(false);
            if (!r.Ok)
                throw new BackendException($"writing broker user {id} on {node.NodeName} failed, {r.Describe()}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>
/// Fleet's <see cref="IBrokerUserAdmin"/> for both nodes of a fleet: revocation deletes the device user on the primary
/// (closing its certificate-login sessions) and on the fallback (its password login and sessions).
/// </summary>
public sealed class FleetBrokerAdmin(BrokerUserAdmin primary, BrokerUserAdmin fallback) : IBrokerUserAdmin
{
    public BrokerUserAdmin Primary => primary;
    public BrokerUserAdmin Fallback => fallback;

    public void RemoveUser(string deviceId)
    {
        primary.RemoveUser(deviceId);
        fallback.RemoveUser(deviceId);
    }

    /// <summary>The nodes `backend rabbitmq start` runs for <paramref name="fleet"/> (the node names it recorded in
    /// &lt;fleet&gt;/backend/rabbitmq/state/nodes.json, the fleet's epmd port and the nodes' cookies).</summary>
    public static FleetBrokerAdmin ForDevelopmentBroker(FleetDirectory fleet)
    {
        var nodes = RabbitMqBackend.RecordedNodes(fleet)
            ?? throw new BackendException($"no development broker recorded for fleet {fleet.Root} ({RabbitMqBackend.NodesFile(fleet)} does not exist; start it with `nf-build backend rabbitmq start`)");
        return new FleetBrokerAdmin(
            new BrokerUserAdmin(nodes[BrokerRole.Primary], BrokerRole.Primary, fleet.Settings.PrimaryVhost),
            new BrokerUserAdmin(nodes[BrokerRole.Fallback], BrokerRole.Fallback, fleet.Settings.FallbackVhost));
    }
}
