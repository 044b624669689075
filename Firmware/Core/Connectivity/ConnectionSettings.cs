namespace IotDevice.Core.Connectivity
{
    /// <summary>Tunables of the connection manager, with the defaults the firmware uses.</summary>
    public sealed class ConnectionSettings
    {
        public ConnectionSettings()
        {
            RejectionsBeforeFallback = 2;
            InitialBackoffMs = 1000;
            MaxBackoffMs = 5 * 60 * 1000;
            TakeoverWindowMs = 30 * 1000;
            FallbackFailuresBeforePrimary = 3;
            TelemetryPerTick = 8;
            TrialDecisionTimeoutMs = 2 * 60 * 1000;
        }

        /// <summary>Certificate rejections by the primary in a row (network fine) before trying the fallback; 1 when the certificate is also expired by the trusted clock.</summary>
        public int RejectionsBeforeFallback { get; set; }

        public int InitialBackoffMs { get; set; }

        public int MaxBackoffMs { get; set; }

        /// <summary>A primary session lost sooner than this after CONNACK counts as short (a takeover when it repeats).</summary>
        public int TakeoverWindowMs { get; set; }

        /// <summary>Failed fallback attempts before going back to the primary.</summary>
        public int FallbackFailuresBeforePrimary { get; set; }

        /// <summary>Telemetry messages published per Tick (bounds the time one main-loop pass takes).</summary>
        public int TelemetryPerTick { get; set; }

        /// <summary>How long an accepted trial waits for the commit before the manager resumes with the old identity.</summary>
        public int TrialDecisionTimeoutMs { get; set; }
    }
}
