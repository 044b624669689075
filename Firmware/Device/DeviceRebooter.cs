using System;
using IotDevice.Core.Platform;
using nanoFramework.Runtime.Native;

namespace IotDevice.Device
{
    /// <summary>Restarts the ESP32 through nanoFramework.Runtime.Native.</summary>
    public sealed class DeviceRebooter : IRebooter
    {
        public void Reboot(string reason)
        {
            // Console, not Debug: Debug.WriteLine is [Conditional("DEBUG")] and would vanish from release builds.
            Console.WriteLine("reboot: " + reason);
            Power.RebootDevice();
        }
    }
}
