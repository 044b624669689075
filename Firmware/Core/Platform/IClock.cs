using System;

namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Wall-clock time in UTC. Certificate validity and OTA timing depend on it, so the core never
    /// reads DateTime itself: on the device the adapter returns the SNTP-synchronised RTC, on the host
    /// a test can move time forward to expire a certificate.
    /// </summary>
    public interface IClock
    {
        /// <summary>The current time in UTC.</summary>
        DateTime UtcNow { get; }

        /// <summary>
        /// True once the clock has been set from a trusted source (SNTP). Before that an ESP32 RTC starts
        /// at 1970 and every certificate would look "not yet valid".
        /// </summary>
        bool IsSynchronized { get; }
    }
}
