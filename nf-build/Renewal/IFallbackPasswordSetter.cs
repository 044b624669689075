namespace NfBuild.Renewal;

/// <summary>
/// Sets a device's password on the fallback broker (RabbitMQ: the fallback node's user; embedded backend:
/// its user table) from the RabbitMQ password hash; the plaintext never reaches the backend's tooling.
/// </summary>
public interface IFallbackPasswordSetter
{
    void SetFallbackPasswordHash(string deviceId, string passwordHash);

    /// <summary>Several devices at once (a batch of renewal commits). Must be idempotent like the single call: a batch
    /// that fails is retried whole. The default sets them one by one; the RabbitMQ setter writes them in one import.</summary>
    void SetFallbackPasswordHashes(IReadOnlyList<KeyValuePair<string, string>> deviceHashes)
    {
        foreach (var (deviceId, hash) in deviceHashes)
            SetFallbackPasswordHash(deviceId, hash);
    }
}
