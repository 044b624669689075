namespace NfBuild.Fleet;

/// <summary>A read-only view of the registry at one moment.</summary>
public sealed class DeviceRegistrySnapshot(IReadOnlyList<DeviceRecord> devices)
{
    public IReadOnlyList<DeviceRecord> Devices { get; } = devices;

    public DeviceRecord? Get(string deviceId) => Devices.FirstOrDefault(d => d.Id == deviceId);

    /// <summary>Every serial issued in the fleet (uniqueness check for new certificates).</summary>
    public HashSet<string> AllSerials() => Devices.SelectMany(d => d.Serials.Append(d.Serial)).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
