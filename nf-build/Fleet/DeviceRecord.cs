using System.Text.Json.Serialization;

namespace NfBuild.Fleet;

/// <summary>Registry state of a device: revocation is the only state the registry stores; "expired" and
/// "renewal pending" are derived (<see cref="DeviceRecord.StatusAt"/>).</summary>
public enum DeviceState
{
    Active,
    Revoked,
}

/// <summary>What <c>fleet list</c> shows for a device.</summary>
public enum DeviceStatus
{
    Active,
    Expired,
    RenewalPending,
    Revoked,
}

/// <summary>
/// One device in registry/devices.json. Holds no secret: the fallback password only as its RabbitMQ
/// hash, the certificates only as public DER (base64).
/// </summary>
public sealed class DeviceRecord
{
    public string Id { get; set; } = "";

    /// <summary>Serial of the current certificate (lower-case hex of the DER INTEGER bytes).</summary>
    public string Serial { get; set; } = "";

    /// <summary>Serial issued by a renewal the device has not committed yet, or null.</summary>
    public string? PendingSerial { get; set; }

    /// <summary>Every serial ever issued to the device, oldest first (current and pending included).</summary>
    public List<string> Serials { get; set; } = [];

    /// <summary>notAfter of the current certificate.</summary>
    public DateTimeOffset NotAfter { get; set; }

    public DeviceState State { get; set; }

    /// <summary>rabbit_password_hashing_sha256 hash (base64) of the current fallback password.</summary>
    public string FallbackPasswordHash { get; set; } = "";

    public DateTimeOffset AddedUtc { get; set; }

    public DateTimeOffset? RevokedUtc { get; set; }

    /// <summary>Base64 DER of the current certificate: the renewal service checks proof of possession
    /// against this key, never against a certificate sent in a request.</summary>
    public string Certificate { get; set; } = "";

    /// <summary>Base64 DER of the pending certificate, or null.</summary>
    public string? PendingCertificate { get; set; }

    /// <summary>notAfter of the pending certificate, or null.</summary>
    public DateTimeOffset? PendingNotAfter { get; set; }

    /// <summary>Hash of the fallback password that belongs to the pending identity (becomes current on commit).</summary>
    public string? PendingFallbackPasswordHash { get; set; }

    /// <summary>
    /// The certificates the renewal service issued recently (request id and time, oldest first), whether still pending
    /// or committed since: every renewal-service instance refuses a request id found here as replayed and counts these
    /// for the per-device rate limit (<see cref="IssuanceRules"/>). Pruned to the service's windows on each issuance;
    /// absent (null) in registries written before it existed and for devices never renewed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<RenewalIssuance>? Issuances { get; set; }

    /// <summary>An independent copy (the registry's parse cache hands out copies only).</summary>
    public DeviceRecord Copy()
    {
        var copy = (DeviceRecord)MemberwiseClone();
        copy.Serials = [.. Serials];
        if (Issuances is not null)
            copy.Issuances = [.. Issuances]; // the entries are immutable records
        return copy;
    }

    /// <summary>Status shown by <c>fleet list</c> at <paramref name="now"/>.</summary>
    public DeviceStatus StatusAt(DateTimeOffset now) =>
        State == DeviceState.Revoked ? DeviceStatus.Revoked
        : PendingSerial is not null ? DeviceStatus.RenewalPending
        : NotAfter <= now ? DeviceStatus.Expired
        : DeviceStatus.Active;
}
