using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Connectivity
{
    /// <summary>
    /// Decides whether the clock may be used for certificate checks and TLS. SNTP is unauthenticated:
    /// anyone on the network path can answer with any time.
    /// Threat (clock set back): an attacker who rewinds the clock could make an expired or superseded
    /// certificate look valid again; so a clock earlier than the floor (the firmware build time, or the
    /// last good time kept in NVS <c>time_floor</c>) is never trusted, and TLS waits.
    /// Threat (clock set forward): an attacker can make certificates look expired (denial of service
    /// only: a local expiry never moves the device to the fallback broker by itself). The floor is
    /// advanced only by <see cref="ConfirmedByServer"/>, i.e. after a TLS session with a pinned broker
    /// whose certificate the TLS stack checked against that same clock, so a forged far-future time is
    /// not written to flash and cannot lock the device out after the attacker leaves.
    /// Flash wear: the floor is written at most once per <see cref="PersistInterval"/>.
    /// </summary>
    public sealed class TimeGuard
    {
        public const string FloorKey = DeviceStoreKeys.TimeFloor;

        private readonly IClock _clock;
        private readonly ISecureStore _store;
        private readonly IDeviceLog _log;
        private readonly TimeSpan _persistInterval;
        private DateTime _floor;
        private DateTime _lastPersisted;
        private bool _trusted;
        private int _lastReport; // 0 none, 1 waiting for SNTP, 2 rejected, 3 trusted: log each change once

        public TimeGuard(IClock clock, ISecureStore store, DateTime buildTime, IDeviceLog log)
            : this(clock, store, buildTime, log, TimeSpan.FromHours(1))
        {
        }

        public TimeGuard(IClock clock, ISecureStore store, DateTime buildTime, IDeviceLog log, TimeSpan persistInterval)
        {
            if (clock == null)
                throw new ArgumentNullException("clock");
            if (store == null)
                throw new ArgumentNullException("store");
            if (log == null)
                throw new ArgumentNullException("log");
            _clock = clock;
            _store = store;
            _log = log;
            _persistInterval = persistInterval;
            _floor = buildTime;
            _lastPersisted = DateTime.MinValue;
            string stored = store.GetString(DeviceStoreKeys.Namespace, FloorKey);
            DateTime storedFloor;
            if (stored != null && UtcTime.TryParse(stored, out storedFloor))
            {
                _lastPersisted = storedFloor;
                if (storedFloor > _floor)
                    _floor = storedFloor;
            }
            else if (stored != null)
            {
                // Only code that can already write NVS can corrupt it; the build time still bounds the clock.
                log.Info("time: stored time_floor '" + stored + "' is unreadable; using the build time " + UtcTime.Format(buildTime));
            }
        }

        /// <summary>Earliest time the clock may show (build time or the persisted/confirmed floor).</summary>
        public DateTime Floor
        {
            get { return _floor; }
        }

        public TimeSpan PersistInterval
        {
            get { return _persistInterval; }
        }

        /// <summary>True when the last <see cref="Tick"/> found the clock synchronised and not before the floor.</summary>
        public bool IsTrusted
        {
            get { return _trusted; }
        }

        /// <summary>The clock's time (meaningful for decisions only while <see cref="IsTrusted"/>).</summary>
        public DateTime Now
        {
            get { return _clock.UtcNow; }
        }

        /// <summary>Re-evaluates the clock; call every main-loop pass before anything that uses time.</summary>
        public void Tick()
        {
            // The log line is built only when the verdict changes: Tick runs every main-loop pass and must not
            // allocate (the telemetry allocation budget is per message, not per string formatted here).
            if (!_clock.IsSynchronized)
            {
                _trusted = false;
                if (_lastReport != 1)
                    Report(1, "time: waiting for SNTP before TLS");
                return;
            }
            DateTime now = _clock.UtcNow;
            if (now < _floor)
            {
                _trusted = false;
                if (_lastReport != 2)
                    Report(2, "time: clock " + UtcTime.Format(now) + " rejected, earlier than the floor " + UtcTime.Format(_floor) + " (forged or stale SNTP?)");
                return;
            }
            _trusted = true;
            if (_lastReport != 3)
                Report(3, "time: clock " + UtcTime.Format(now) + " trusted (floor " + UtcTime.Format(_floor) + ")");
        }

        /// <summary>
        /// A TLS session with a pinned broker is up at the current time: that time becomes the floor, and is
        /// written to NVS when the last write is at least <see cref="PersistInterval"/> old.
        /// </summary>
        public void ConfirmedByServer()
        {
            if (!_trusted)
                return;
            DateTime now = _clock.UtcNow;
            if (now <= _floor)
                return;
            _floor = now;
            if (now - _lastPersisted >= _persistInterval)
            {
                _store.SetString(DeviceStoreKeys.Namespace, FloorKey, UtcTime.Format(now));
                _lastPersisted = now;
            }
        }

        private void Report(int kind, string line)
        {
            if (_lastReport == kind)
                return;
            _lastReport = kind;
            _log.Info(line);
        }
    }
}
