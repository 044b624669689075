using System;
using IotDevice.Core.Platform;

namespace IotDevice.Device
{
    /// <summary>
    /// The ESP32's RTC. nanoFramework's ESP32 firmware starts SNTP itself once Wi-Fi has an address,
    /// so the clock is trusted from the first time it shows a plausible year.
    /// </summary>
    public sealed class DeviceClock : IClock
    {
        /// <summary>An RTC that was never set reads 1970; nothing this firmware talks to predates this year.</summary>
        private const int FirstPlausibleYear = 2025;

        public DateTime UtcNow
        {
            get { return DateTime.UtcNow; }
        }

        public bool IsSynchronized
        {
            get { return DateTime.UtcNow.Year >= FirstPlausibleYear; }
        }
    }
}
