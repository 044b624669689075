using System.Text;
using System.Text.Json;

namespace NfBuild.Backend;

/// <summary>Broker-user operations the renewal authority and enrolment need, per node.</summary>
public interface IBrokerUserAdmin
{
    /// <summary>Deletes the device's user; RabbitMQ closes its live connections. No-op if it does not exist.</summary>
    Task RemoveDeviceUserAsync(string deviceId, CancellationToken cancel = default);
    /// <summary>Sets (fallback) or clears (primary: certificate login only) the password; creates the user with the device permissions if absent.</summary>
    Task AddDeviceUserAsync(string deviceId, string? fallbackPasswordHash, CancellationToken cancel = default);
    /// <summary>Sets a user's password from its rabbit_password_hashing_sha256 hash (live connections stay; new logins need the new password).</summary>
    Task SetPasswordHashAsync(string deviceId, string passwordHash, CancellationToken cancel = default);
    /// <summary>Convenience: hashes <paramref name="password"/> here and calls <see cref="SetPasswordHashAsync"/>.</summary>
    Task SetPasswordAsync(string deviceId, string password, CancellationToken cancel = default);
    Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancel = default);
}

/// <summary>
/// <see cref="IBrokerUserAdmin"/> over rabbitmqctl with the node's environment (cookie, epmd port).
/// Passwords and hashes never go on a command line (which every local user can read in /proc): users are written with
/// `rabbitmqctl import_definitions` from an owner-only temporary file that carries the hash only.
/// </summary>
public sealed class BrokerUserAdmin(RabbitMqNode node, BrokerRole role, string vhost) : IBrokerUserAdmin
{
    public BrokerRole Role => role;
    public string Vhost => vhost;

    public async Task RemoveDeviceUserAsync(string deviceId, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        var r = await node.CtlAsync(["delete_user", deviceId], TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
        if (!r.Ok && !(r.Output + r.Error).Contains("does not exist", StringComparison.OrdinalIgnoreCase) && !(r.Output + r.Error).Contains("no_such_user", StringComparison.Ordinal))
            throw new BackendException($"removing broker user {deviceId} on {node.NodeName} failed, {r.Describe()}");
    }

    public Task AddDeviceUserAsync(string deviceId, string? fallbackPasswordHash, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        // Primary users never get a password: certificate login only, so a leaked fallback password cannot reach the primary.
        string hash = role == BrokerRole.Primary ? "" : fallbackPasswordHash ?? throw new BackendException($"a fallback user needs a password hash ({deviceId})");
        return ImportAsync(deviceId, hash, withPermissions: true, cancel);
    }

    public Task SetPasswordHashAsync(string deviceId, string passwordHash, CancellationToken cancel = default)
    {
        RequireDeviceId(deviceId);
        if (role == BrokerRole.Primary)
            throw new BackendException("primary users have no password (certificate login only)");
        if (!RabbitPasswordHash.IsWellFormed(passwordHash))
            throw new BackendException("not a rabbit_password_hashing_sha256 hash");
        return ImportAsync(deviceId, passwordHash, withPermissions: true, cancel);
    }

    public Task SetPasswordAsync(string deviceId, string password, CancellationToken cancel = default) =>
        SetPasswordHashAsync(deviceId, RabbitPasswordHash.Compute(password), cancel);

    public async Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancel = default)
    {
        var r = await node.CtlAsync(["list_users", "--quiet", "--no-table-headers"], TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
        if (!r.Ok)
            throw new BackendException($"list_users on {node.NodeName} failed, {r.Describe()}");
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t', ' ')[0]).Where(n => n.Length > 0).ToList();
    }

    private static void RequireDeviceId(string id)
    {
        // Threat: the id becomes part of permission regexes; only the device-id alphabet is accepted.
        if (!DeviceRegistry.IsValidDeviceId(id) || id == RabbitMqConfigWriter.RenewalServiceUser)
            throw new BackendException($"'{id}' is not a device id");
    }

    private async Task ImportAsync(string id, string hash, bool withPermissions, CancellationToken cancel)
    {
        var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("users");
            w.WriteStartObject();
            w.WriteString("name", id);
            w.WriteString("password_hash", hash);
            w.WriteString("hashing_algorithm", RabbitPasswordHash.Algorithm);
            w.WriteStartArray("tags");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            if (withPermissions)
            {
                var p = RabbitMqConfigWriter.DevicePermissions(id);
                var t = RabbitMqConfigWriter.DeviceTopicPermissions(role);
                w.WriteStartArray("permissions");
                w.WriteStartObject();
                w.WriteString("user", id);
                w.WriteString("vhost", vhost);
                w.WriteString("configure", p.Configure);
                w.WriteString("write", p.Write);
                w.WriteString("read", p.Read);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteStartArray("topic_permissions");
                w.WriteStartObject();
                w.WriteString("user", id);
                w.WriteString("vhost", vhost);
                w.WriteString("exchange", "amq.topic");
                w.WriteString("write", t.Write);
                w.WriteString("read", t.Read);
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        string file = Path.Combine(node.Options.StateDir, "import-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            File.WriteAllText(file, "");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllBytesAsync(file, stream.ToArray(), cancel).ConfigureAwait(false);
            var r = await node.CtlAsync(["import_definitions", file], TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
            if (!r.Ok)
                throw new BackendException($"writing broker user {id} on {node.NodeName} failed, {r.Describe()}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
