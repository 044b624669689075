using System.Diagnostics;
using IotDevice.Core.Platform;
using nanoFramework.Runtime.Native;

namespace IotDevice.Device
{
    /// <summary>Restarts the ESP32 through nanoFramework.Runtime.Native.</summary>
    public sealed class DeviceRebooter : IRebooter
    {
        public void Reboot(string reason)
        {
            Debug.WriteLine("reboot: " + reason);
            Power.RebootDevice();
        }
    }
}
