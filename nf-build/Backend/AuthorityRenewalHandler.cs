using NfBuild.Renewal;

namespace NfBuild.Backend;

/// <summary>
/// The renewal service's handler: requests go to the <see cref="RenewalAuthority"/>, status messages from
/// the primary feed its commit. The device id and the message kind come from the routing key (the
/// transport), never from the payload.
/// </summary>
public sealed class AuthorityRenewalHandler(RenewalAuthority authority) : IRenewalHandler
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
}

/// <summary>
/// Rotates a device's fallback password on the fallback node when a renewal commits (the hash only goes to
/// the broker, through rabbitmqctl import_definitions from an owner-only file).
/// </summary>
public sealed class BrokerFallbackPasswords(BrokerUserAdmin fallback) : IFallbackPasswordSetter
{
    public void SetFallbackPasswordHash(string deviceId, string passwordHash) =>
        fallback.SetPasswordHashAsync(deviceId, passwordHash).GetAwaiter().GetResult();
}
