using System;
using IotDevice.Core.Platform;
using nanoFramework.Networking;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IClock"/> on the ESP32's RTC, set by SNTP (nanoFramework.Networking.Sntp, lwIP's SNTP client in the
    /// firmware; servers 0/1.pool.ntp.org, nanoFramework's defaults). <see cref="Start"/> is called once the network has
    /// an address; the clock counts as synchronised only after that and once it shows a plausible year, so no TLS
    /// handshake (certificate dates) happens on the RTC's power-on value of 1970.
    /// Threat: SNTP is unauthenticated: whoever answers for the pool can set the clock. The core's TimeGuard never
    /// accepts a time before the firmware's build time or the time_floor in NVS, so a forged clock cannot revive an
    /// expired or revoked certificate's past; it can at most make a valid certificate look expired, which alone never
    /// moves the device to the fallback broker.
    /// </summary>
    public sealed class SntpClock : IClock
    {
        /// <summary>An RTC that was never set reads 1970; nothing this firmware talks to predates this year.</summary>
        private const int FirstPlausibleYear = 2025;

        private readonly IDeviceLog _log;
        private bool _started;
        private bool _reported;

        public SntpClock(IDeviceLog log)
        {
            if (log == null)
                throw new ArgumentNullException("log");
            _log = log;
        }

        public DateTime UtcNow
        {
            get { return DateTime.UtcNow; }
        }

        public bool IsSynchronized
        {
            get
            {
                bool synchronized = _started && DateTime.UtcNow.Year >= FirstPlausibleYear;
                if (synchronized && !_reported)
                {
                    _reported = true;
                    _log.Info("clock: synchronised by SNTP, " + DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"));
                }
                return synchronized;
            }
        }

        /// <summary>Starts SNTP (once) and asks for an update now; call when the network has an address.</summary>
        public void Start()
        {
            if (_started)
                return;
            if (!Sntp.IsStarted)
                Sntp.Start();
            Sntp.UpdateNow();
            _started = true;
            _log.Info("clock: SNTP started (" + Sntp.Server1 + ", " + Sntp.Server2 + ")");
        }
    }
}
