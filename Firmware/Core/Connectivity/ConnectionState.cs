namespace IotDevice.Core.Connectivity
{
    /// <summary>Where the <see cref="ConnectionManager"/> stands; <see cref="ConnectionManager.StateName"/> spells it.</summary>
    public enum ConnectionState
    {
        /// <summary>The app reported no network link.</summary>
        WaitingForNetwork = 0,

        /// <summary>Network up, but the clock is not trusted yet (no TLS before that).</summary>
        WaitingForClock = 1,

        /// <summary>Between attempts (backoff), or about to make the first one.</summary>
        WaitingToConnect = 2,

        /// <summary>Session on the primary broker: commands, telemetry, renewal.</summary>
        OnlinePrimary = 3,

        /// <summary>Session on the fallback broker: renewal and status only.</summary>
        OnlineFallback = 4,

        /// <summary>The primary accepted a renewed identity; waiting for the renewal client to commit it.</summary>
        TrialAccepted = 5,

        /// <summary>NVS holds no usable identity: nothing to connect with.</summary>
        NoIdentity = 6,

        /// <summary>MQTT closed on purpose and kept closed (an OTA download holds the one TLS session the ESP32 has room for).</summary>
        Held = 7
    }
}
