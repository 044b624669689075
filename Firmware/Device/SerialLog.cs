using System;
using IotDevice.Core.Platform;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IDeviceLog"/> on the serial console (UART0, the Lolin32's USB port), one line per event.
    /// Console, not Debug: Debug.WriteLine is [Conditional("DEBUG")] and vanishes from release builds, where the field
    /// log matters most. The core never logs a secret (no key, no password, no whole certificate).
    /// </summary>
    public sealed class SerialLog : IDeviceLog
    {
        public void Info(string line)
        {
            Console.WriteLine(line);
        }
    }
}
