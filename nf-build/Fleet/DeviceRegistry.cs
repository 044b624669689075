using System.Text.Json;

namespace NfBuild.Fleet;

/// <summary>
/// registry/devices.json: every device, its serials and state. Each change is a locked
/// load-modify-save: an exclusive lock file keeps the CLI and the renewal service from losing each
/// other's updates, and the file is replaced atomically (temp file + rename), so a crash leaves the
/// old or the new registry, never a torn one.
/// </summary>
public sealed class DeviceRegistry(string path)
{
    private sealed class RegistryFile
    {
        public int Version { get; set; } = 1;
        public List<DeviceRecord> Devices { get; set; } = [];
    }

    /// <summary>Path of devices.json.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>A snapshot of the registry.</summary>
    public DeviceRegistrySnapshot Load()
    {
        if (!File.Exists(Path))
            throw new FleetException($"device registry '{Path}' does not exist");
        try
        {
            var file = JsonSerializer.Deserialize<RegistryFile>(File.ReadAllText(Path), FleetSettings.Json)
                ?? throw new FleetException($"device registry '{Path}' is empty");
            CheckContent(file.Devices);
            return new DeviceRegistrySnapshot(file.Devices);
        }
        catch (JsonException e)
        {
            throw new FleetException($"device registry '{Path}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a registry whose content could widen what a device may do: the ids become certificate
    /// CNs, broker user names and parts of permission regexes, so an id such as ".*" or "a|b" (a registry
    /// edited by hand or by a bug) would open other devices' queues; a device named renewal-service would
    /// be the renewal service; a duplicate id makes "which entry counts" undefined; a malformed
    /// fallback hash would end up in the broker's definitions.
    /// </summary>
    private void CheckContent(IReadOnlyList<DeviceRecord> devices)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i] ?? throw new FleetException($"device registry '{Path}': device #{i} is null");
            string id = d.Id ?? "";
            string where = $"device registry '{Path}': device #{i} '{id}'";
            try
            {
                DeviceIds.Validate(id);
            }
            catch (FleetException e)
            {
                throw new FleetException($"{where}: {e.Message}", e);
            }
            if (!ids.Add(id))
                throw new FleetException($"{where}: the id appears twice");
            if (d.FallbackPasswordHash is { Length: > 0 } hash && !FallbackPasswords.IsWellFormedHash(hash))
                throw new FleetException($"{where}: fallbackPasswordHash is not a base64 {FallbackPasswords.HashingAlgorithm} hash (4-byte salt + 32-byte digest)");
            if (d.PendingFallbackPasswordHash is { Length: > 0 } pending && !FallbackPasswords.IsWellFormedHash(pending))
                throw new FleetException($"{where}: pendingFallbackPasswordHash is not a base64 {FallbackPasswords.HashingAlgorithm} hash");
        }
    }

    /// <summary>The device, or null when unknown.</summary>
    public DeviceRecord? Get(string deviceId) => Load().Get(deviceId);

    /// <summary>Adds a new device; refuses an id that is already registered (also a revoked one:
    /// ids are never reused, so old certificates and topics cannot be confused with a new device).</summary>
    public void Add(DeviceRecord record)
    {
        DeviceIds.Validate(record.Id);
        Update(devices =>
        {
            if (devices.Any(d => d.Id == record.Id))
                throw new FleetException($"device '{record.Id}' is already in the registry");
            devices.Add(record);
        });
    }

    /// <summary>Adds many new devices in one locked load-modify-save (bulk provisioning): all or none. Refuses an id
    /// that is registered or appears twice, and a serial that is already in the fleet or appears twice.</summary>
    public void AddRange(IReadOnlyList<DeviceRecord> records)
    {
        foreach (var r in records)
            DeviceIds.Validate(r.Id);
        Update(devices =>
        {
            var ids = devices.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var serials = devices.SelectMany(d => d.Serials.Append(d.Serial)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var r in records)
            {
                if (!ids.Add(r.Id))
                    throw new FleetException($"device '{r.Id}' is already in the registry");
                if (!serials.Add(r.Serial))
                    throw new FleetException($"serial {r.Serial} of '{r.Id}' is already used in the fleet");
            }
            devices.AddRange(records);
        });
    }

    /// <summary>Records a renewal's new certificate as pending (the device has not switched yet).</summary>
    public void MarkPending(string deviceId, string serial, string certificateBase64, DateTimeOffset notAfter, string fallbackPasswordHash)
    {
        Update(devices =>
        {
            var d = Find(devices, deviceId);
            if (d.State == DeviceState.Revoked)
                throw new FleetException($"device '{deviceId}' is revoked");
            d.PendingSerial = serial;
            d.PendingCertificate = certificateBase64;
            d.PendingNotAfter = notAfter;
            d.PendingFallbackPasswordHash = fallbackPasswordHash;
            if (!d.Serials.Contains(serial))
                d.Serials.Add(serial);
        });
    }

    /// <summary>
    /// The device committed <paramref name="serial"/> (its status on the primary shows it): the pending
    /// identity becomes current. Returns the previous serial, which the caller must put on the CRL.
    /// </summary>
    public string CommitSerial(string deviceId, string serial)
    {
        string old = "";
        Update(devices =>
        {
            var d = Find(devices, deviceId);
            if (d.PendingSerial != serial || d.PendingCertificate is null || d.PendingNotAfter is null || d.PendingFallbackPasswordHash is null)
                throw new FleetException($"device '{deviceId}' has no pending certificate with serial {serial}");
            old = d.Serial;
            d.Serial = serial;
            d.Certificate = d.PendingCertificate;
            d.NotAfter = d.PendingNotAfter.Value;
            d.FallbackPasswordHash = d.PendingFallbackPasswordHash;
            d.PendingSerial = null;
            d.PendingCertificate = null;
            d.PendingNotAfter = null;
            d.PendingFallbackPasswordHash = null;
        });
        return old;
    }

    /// <summary>Marks the device revoked; returns its record as it was before (serials to put on the CRL).</summary>
    public DeviceRecord Revoke(string deviceId, DateTimeOffset when)
    {
        DeviceRecord? before = null;
        Update(devices =>
        {
            var d = Find(devices, deviceId);
            before = JsonSerializer.Deserialize<DeviceRecord>(JsonSerializer.Serialize(d, FleetSettings.Json), FleetSettings.Json);
            if (d.State != DeviceState.Revoked)
            {
                d.State = DeviceState.Revoked;
                d.RevokedUtc = when;
            }
        });
        return before!;
    }

    /// <summary>Writes an empty registry (fleet init).</summary>
    internal static void CreateEmpty(string path) =>
        SecureFiles.WritePublic(path, JsonSerializer.Serialize(new RegistryFile(), FleetSettings.Json) + "\n");

    private static DeviceRecord Find(List<DeviceRecord> devices, string deviceId) =>
        devices.FirstOrDefault(d => d.Id == deviceId) ?? throw new FleetException($"device '{deviceId}' is not in the registry");

    /// <summary>Locked load-modify-save.</summary>
    private void Update(Action<List<DeviceRecord>> change)
    {
        using var lockFile = FileLock.Acquire(Path + ".lock", $"device registry '{Path}'");
        var devices = Load().Devices.ToList();
        change(devices);
        string json = JsonSerializer.Serialize(new RegistryFile { Devices = devices }, FleetSettings.Json) + "\n";
        SecureFiles.WritePublic(Path, json);
    }
}
