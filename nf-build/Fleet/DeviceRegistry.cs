using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NfBuild.Fleet;

/// <summary>
/// registry/devices.json: every device, its serials and state. Each change is a locked
/// load-modify-save: an exclusive lock file keeps the CLI and the renewal service from losing each
/// other's updates, and the file is replaced atomically (temp file + rename), so a crash leaves the
/// old or the new registry, never a torn one.
/// <para>
/// Parsing is cached per process by the SHA-256 of the file's bytes (a 1,000-device registry is ~1.2 MB; its parse
/// costs ~20 ms, the hash ~3 ms, and the renewal service reads it several times per request). The cache is keyed
/// by content, not by time stamps, so a change by another process (CLI, another renewal-service instance) is seen
/// by the very next read. Callers get copies of the records, never the cached ones.
/// </para>
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

    /// <summary>One parse of the file, with an index by id and the set of every serial (built once per content, so a
    /// lookup or a serial check is not a scan or a copy of 1,000 records per request).</summary>
    private sealed class Parsed(byte[] sha256, IReadOnlyList<DeviceRecord> devices)
    {
        public byte[] Sha256 { get; } = sha256;
        public IReadOnlyList<DeviceRecord> Devices { get; } = devices;
        private Dictionary<string, DeviceRecord>? _byId;
        private HashSet<string>? _serials;

        public Dictionary<string, DeviceRecord> ById => _byId ??= Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);

        public HashSet<string> Serials => _serials ??= Devices.SelectMany(d => d.Serials.Append(d.Serial)).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private static readonly ConcurrentDictionary<string, Parsed> ParsedCache = new(StringComparer.Ordinal);

    /// <summary>A snapshot of the registry.</summary>
    public DeviceRegistrySnapshot Load() => new(LoadShared().Select(d => d.Copy()).ToList());

    /// <summary>The parsed, checked records (shared with the cache: never hand them out or change them).</summary>
    private IReadOnlyList<DeviceRecord> LoadShared() => LoadParsed().Devices;

    private Parsed LoadParsed()
    {
        if (!File.Exists(Path))
            throw new FleetException($"device registry '{Path}' does not exist");
        // The hash of what is on disk now, streamed (a small pooled buffer): a 1.2 MB byte[] per read would be a large-object
        // heap allocation several times per request, and the gen-2 collections they force stall every thread.
        if (ParsedCache.TryGetValue(Path, out var cached) && CryptographicOperations.FixedTimeEquals(cached.Sha256, HashOfFile()))
            return cached;
        // Changed (or not cached): parse these bytes, keyed by their own hash (a replace after the hash above is parsed here).
        byte[] bytes = File.ReadAllBytes(Path);
        byte[] hash = SHA256.HashData(bytes);
        try
        {
            ReadOnlySpan<byte> json = bytes.AsSpan();
            if (json.StartsWith(Encoding.UTF8.Preamble))
                json = json[Encoding.UTF8.Preamble.Length..];
            var file = JsonSerializer.Deserialize<RegistryFile>(json, FleetSettings.Json)
                ?? throw new FleetException($"device registry '{Path}' is empty");
            CheckContent(file.Devices);
            return Remember(hash, file.Devices);
        }
        catch (JsonException e)
        {
            throw new FleetException($"device registry '{Path}' is not valid: {e.Message}", e);
        }
    }

    private byte[] HashOfFile()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        return SHA256.HashData(stream);
    }

    private Parsed Remember(byte[] hash, IReadOnlyList<DeviceRecord> devices)
    {
        if (ParsedCache.Count > 64)
            ParsedCache.Clear(); // many short-lived fleets (tests): keep the cache small
        var parsed = new Parsed(hash, devices);
        ParsedCache[Path] = parsed;
        return parsed;
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
            if (d.Issuances is { } issuances && issuances.Any(x => x is null || string.IsNullOrEmpty(x.Request)))
                throw new FleetException($"{where}: an entry of issuances has no request id");
        }
    }

    /// <summary>The device, or null when unknown.</summary>
    public DeviceRecord? Get(string deviceId) => LoadParsed().ById.GetValueOrDefault(deviceId)?.Copy();

    /// <summary>Whether <paramref name="serialHex"/> is any device's current, pending or past serial (read fresh, as
    /// <see cref="Get"/>; without copying the registry as <c>Load().AllSerials()</c> does).</summary>
    public bool IsSerialUsed(string serialHex) => LoadParsed().Serials.Contains(serialHex);

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

    /// <summary>Records a renewal's new certificate as pending (the device has not switched yet). No issuance rules: for
    /// the tooling (forced expiry in the demo, tests); the renewal service uses the overload with <see cref="IssuanceRules"/>.</summary>
    public void MarkPending(string deviceId, string serial, string certificateBase64, DateTimeOffset notAfter, string fallbackPasswordHash)
    {
        Update(devices =>
        {
            var d = Find(devices, deviceId);
            if (d.State == DeviceState.Revoked)
                throw new FleetException($"device '{deviceId}' is revoked");
            SetPending(d, serial, certificateBase64, notAfter, fallbackPasswordHash);
        });
    }

    /// <summary>
    /// The renewal service's pending write: checks <paramref name="rules"/> against the device's record INSIDE the
    /// locked update (fresh from disk, after every earlier change of this group and of other processes), and only when
    /// they pass records the pending identity together with the request id and time on the record, in the same single
    /// write. So of two renewal-service instances (threads or processes) handling one request id, exactly one gets
    /// <see cref="IssuanceOutcome.Marked"/>, and a device's issuances within the rate window are counted fleet-wide.
    /// A refused outcome changes nothing (and writes nothing unless other changes share its group).
    /// </summary>
    public IssuanceOutcome MarkPending(string deviceId, string serial, string certificateBase64, DateTimeOffset notAfter, string fallbackPasswordHash, IssuanceRules rules)
    {
        var outcome = IssuanceOutcome.Marked;
        Update(devices =>
        {
            var d = Find(devices, deviceId);
            if (d.State == DeviceState.Revoked)
                throw new FleetException($"device '{deviceId}' is revoked");
            outcome = rules.Check(d);
            if (outcome != IssuanceOutcome.Marked)
                return false;
            var issuances = rules.Record(d);
            SetPending(d, serial, certificateBase64, notAfter, fallbackPasswordHash);
            d.Issuances = issuances;
            return true;
        });
        return outcome;
    }

    private static void SetPending(DeviceRecord d, string serial, string certificateBase64, DateTimeOffset notAfter, string fallbackPasswordHash)
    {
        d.PendingSerial = serial;
        d.PendingCertificate = certificateBase64;
        d.PendingNotAfter = notAfter;
        d.PendingFallbackPasswordHash = fallbackPasswordHash;
        if (!d.Serials.Contains(serial))
            d.Serials.Add(serial);
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

    /// <summary>
    /// Several commits in one locked update (a renewal-service batch). A device whose pending serial is no longer the
    /// given one is skipped, not an error: another renewal-service instance committed it first, or a newer request
    /// replaced the pending identity. Returns (device id, previous serial) of each device committed here.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> CommitSerials(IReadOnlyList<KeyValuePair<string, string>> deviceSerials)
    {
        var committed = new List<KeyValuePair<string, string>>();
        Update(devices =>
        {
            var byId = devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
            foreach (var (deviceId, serial) in deviceSerials)
            {
                if (!byId.TryGetValue(deviceId, out var d) || d.State == DeviceState.Revoked || d.PendingSerial != serial
                    || d.PendingCertificate is null || d.PendingNotAfter is null || d.PendingFallbackPasswordHash is null)
                    continue;
                committed.Add(new(deviceId, d.Serial));
                d.Serial = serial;
                d.Certificate = d.PendingCertificate;
                d.NotAfter = d.PendingNotAfter.Value;
                d.FallbackPasswordHash = d.PendingFallbackPasswordHash;
                d.PendingSerial = null;
                d.PendingCertificate = null;
                d.PendingNotAfter = null;
                d.PendingFallbackPasswordHash = null;
            }
        });
        return committed;
    }

    /// <summary>
    /// Held around a whole renewal commit (read the pending identities, CRL, fallback passwords, registry), so that
    /// commits of several renewal-service instances (processes) run one after another: a commit that read the registry
    /// before another instance's commit could otherwise set an outdated fallback password after it. Separate from the
    /// registry's own lock, so requests (MarkPending) are not held up by a commit's broker call.
    /// </summary>
    public IDisposable LockCommits() => FileLock.Acquire(Path + ".commit.lock", $"renewal commits of '{Path}'", TimeSpan.FromSeconds(120));

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

    /// <summary>Changes waiting for the registry write of this path, in this process (group commit).</summary>
    private sealed class PendingChanges
    {
        public readonly object Gate = new();
        public List<Change> Queue = [];
        public bool Writing;
    }

    private sealed class Change(Func<List<DeviceRecord>, bool> apply)
    {
        /// <summary>Applies the change; false when it decided to change nothing.</summary>
        public Func<List<DeviceRecord>, bool> Apply { get; } = apply;
        public Exception? Error;
        public volatile bool Lead, Written;
        /// <summary>Set when the change is written, or when its caller is to write the next group.</summary>
        public readonly ManualResetEventSlim Wake = new();
    }

    private static readonly ConcurrentDictionary<string, PendingChanges> Writers = new(StringComparer.Ordinal);

    /// <summary>
    /// Locked load-modify-save, as a group commit: changes that arrive from other threads while a write is under way go
    /// together into the next write (one parse, one serialisation, one fsync'd atomic replace for all of them: a
    /// 1,000-device registry write costs ~70 ms, mostly the fsync). Each caller returns only after the write that holds
    /// its change is on disk, or with its own change's exception. Rule for <paramref name="change"/>: check first, then
    /// modify: a change that throws must not have modified anything (the others of its group are still written).
    /// Across processes the exclusive lock file serialises the writes; each reads the file inside the lock.
    /// </summary>
    private void Update(Action<List<DeviceRecord>> change) => Update(devices =>
    {
        change(devices);
        return true;
    });

    /// <summary><see cref="Update(Action{List{DeviceRecord}})"/> for a change that may decide to change nothing (returns
    /// false, having modified nothing): a group of such changes only is not written.</summary>
    private void Update(Func<List<DeviceRecord>, bool> change)
    {
        var writer = Writers.GetOrAdd(Path, _ => new PendingChanges());
        var mine = new Change(change);
        lock (writer.Gate)
        {
            writer.Queue.Add(mine);
            if (!writer.Writing)
            {
                writer.Writing = true;
                mine.Lead = true;
            }
        }
        if (!mine.Lead)
            mine.Wake.Wait(); // written by the current writer, or promoted to write the next group
        if (!mine.Written)
        {
            List<Change> group;
            lock (writer.Gate)
            {
                group = writer.Queue;
                writer.Queue = [];
            }
            WriteGroup(group);
            lock (writer.Gate)
            {
                if (writer.Queue.Count > 0)
                {
                    // Hand the next group to one of its own callers, so no caller writes for others indefinitely.
                    var next = writer.Queue[0];
                    next.Lead = true;
                    next.Wake.Set();
                }
                else
                {
                    writer.Writing = false;
                }
            }
        }
        if (mine.Error is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(mine.Error);
    }

    /// <summary>The file's bytes (indented JSON and a final newline), serialised straight to UTF-8 (no string of the whole
    /// registry to encode again).</summary>
    private static byte[] SerializeFile(List<DeviceRecord> devices)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new RegistryFile { Devices = devices }, FleetSettings.Json);
        byte[] file = new byte[json.Length + 1];
        json.CopyTo(file, 0);
        file[^1] = (byte)'\n';
        return file;
    }

    private void WriteGroup(List<Change> group)
    {
        try
        {
            using var lockFile = FileLock.Acquire(Path + ".lock", $"device registry '{Path}'");
            var devices = LoadShared().Select(d => d.Copy()).ToList();
            bool any = false;
            foreach (var c in group)
            {
                try
                {
                    if (c.Apply(devices))
                        any = true;
                }
                catch (Exception e)
                {
                    c.Error = e;
                }
            }
            if (any)
            {
                byte[] json = SerializeFile(devices);
                SecureFiles.Write(Path, json, SecureFiles.Public);
                Remember(SHA256.HashData(json), devices.Select(d => d.Copy()).ToList());
            }
        }
        catch (Exception e)
        {
            foreach (var c in group)
                c.Error ??= e;
        }
        foreach (var c in group)
        {
            c.Written = true;
            c.Wake.Set();
        }
    }
}
