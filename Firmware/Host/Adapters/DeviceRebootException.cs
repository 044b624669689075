namespace IotDevice.Host.Adapters;

/// <summary>Unwinds the firmware's call stack after a reboot request on the host.</summary>
public sealed class DeviceRebootException(string reason) : Exception("device reboot requested: " + reason)
{
    public string Reason { get; } = reason;
}
