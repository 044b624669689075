using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>
/// The devices a `release rollout` commands, from the registry: named ones (each registered and active) or every
/// active one in registry order. Threat: a revoked device's key is presumed stolen; it never gets a command (the
/// broker would also refuse its login, but the tooling does not rely on that).
/// </summary>
public static class RolloutTargets
{
    /// <summary>The ids to command, in rollout order; <see cref="BackendException"/> naming the first bad one.</summary>
    public static IReadOnlyList<string> Resolve(FleetDirectory fleet, IReadOnlyList<string> deviceIds, bool all)
    {
        if (all && deviceIds.Count > 0)
            throw new BackendException("--device and --all exclude each other: name the devices or take every active one");
        if (!all && deviceIds.Count == 0)
            throw new BackendException("name the devices to update: --device <id> (repeatable) or --all");
        if (all)
        {
            var active = fleet.Registry.Load().Devices.Where(d => d.State == DeviceState.Active).Select(d => d.Id).ToList();
            return active.Count > 0 ? active : throw new BackendException($"{fleet.RegistryFile} has no active device");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in deviceIds)
        {
            if (!seen.Add(id))
                throw new BackendException($"device '{id}' is named twice");
            RequireActive(fleet, id);
        }
        return deviceIds.ToList();
    }

    /// <summary>Throws unless <paramref name="deviceId"/> is a valid id, registered and not revoked.</summary>
    public static void RequireActive(FleetDirectory fleet, string deviceId)
    {
        DeviceIds.Validate(deviceId);
        var record = fleet.Registry.Get(deviceId)
            ?? throw new BackendException($"device '{deviceId}' is not registered in {fleet.RegistryFile}");
        if (record.State != DeviceState.Active)
            throw new BackendException($"device '{deviceId}' is revoked: it gets no commands");
    }
}
