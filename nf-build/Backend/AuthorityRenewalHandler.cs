using NfBuild.Renewal;

namespace NfBuild.Backend;

/// <summary>
/// A handler whose status messages (the commit feed) may be committed later, in batches: the transport hands a status
/// over and acks it when the returned task completes, without blocking its consumer (requests go on being answered).
/// </summary>
public interface IRenewalStatusBatcher
{
    bool BatchesStatus { get; }

    Task SubmitStatusAsync(string vhost, string deviceId, byte[] payload);
}

/// <summary>
/// The renewal service's handler: requests go to the <see cref="RenewalAuthority"/>, status messages from
/// the primary feed its commit. The device id and the message kind come from the routing key (the
/// transport), never from the payload.
/// </summary>
public sealed class AuthorityRenewalHandler(RenewalAuthority authority, RenewalCommitBatcher? commits = null) : IRenewalHandler, IRenewalStatusBatcher
{
    public byte[]? Handle(string vhost, string deviceId, string kind, byte[] payload)
    {
        if (kind == RenewalMessageKinds.Status)
        {
            authority.HandleStatus(deviceId, payload);
            return null;
        }
        return authority.HandleRequest(deviceId, payload);
    }

    /// <summary>With a batcher, status messages are committed in batches and the transport does not wait for them.</summary>
    public bool BatchesStatus => commits is not null;

    public Task SubmitStatusAsync(string vhost, string deviceId, byte[] payload) =>
        commits is null ? Task.FromResult(authority.HandleStatus(deviceId, payload)) : commits.SubmitAsync(deviceId, payload);
}

/// <summary>
/// Rotates a device's fallback password on the fallback node when a renewal commits (the hash only goes to
/// the broker, through rabbitmqctl import_definitions from an owner-only file; a batch of commits in one import).
/// </summary>
public sealed class BrokerFallbackPasswords(BrokerUserAdmin fallback) : IFallbackPasswordSetter
{
    public void SetFallbackPasswordHash(string deviceId, string passwordHash) =>
        fallback.SetPasswordHashAsync(deviceId, passwordHash).GetAwaiter().GetResult();

    public void SetFallbackPasswordHashes(IReadOnlyList<KeyValuePair<string, string>> deviceHashes) =>
        fallback.SetPasswordHashesAsync(deviceHashes).GetAwaiter().GetResult();
}
