using IotDevice.Core.Platform;

namespace IotDevice.Host.Adapters;

/// <summary>
/// Reboot on the host means "hand control back to whoever runs the device" (the virtual ESP32 restarts
/// the firmware from boot). The call then throws <see cref="DeviceRebootException"/> so that, as on
/// the device, no code after Reboot() keeps running.
/// </summary>
public sealed class CallbackRebooter(Action<string> onReboot) : IRebooter
{
    public void Reboot(string reason)
    {
        onReboot(reason);
        throw new DeviceRebootException(reason);
    }
}
