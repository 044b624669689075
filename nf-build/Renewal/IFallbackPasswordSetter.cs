namespace NfBuild.Renewal;

/// <summary>
/// Sets a device's password on the fallback broker (RabbitMQ: the fallback node's user; embedded backend:
/// its user table) from the RabbitMQ password hash; the plaintext never reaches the backend's tooling.
/// </summary>
public interface IFallbackPasswordSetter
{
    void SetFallbackPasswordHash(string deviceId, string passwordHash);
}
