namespace NfBuild.Fleet;

/// <summary>
/// Administration of device users on a running broker (the fallback broker's password users, and any
/// session of the device on the primary). Implemented outside this library (rabbitmqctl / management
/// HTTP); <see cref="DeviceRevocation"/> calls it when one is wired.
/// </summary>
public interface IBrokerUserAdmin
{
    /// <summary>Deletes the user named <paramref name="deviceId"/> (and so closes its connections).
    /// Must succeed when the user does not exist.</summary>
    void RemoveUser(string deviceId);
}
