namespace IotDevice.Core.Updates
{
    /// <summary>Where <see cref="OtaUpdater"/> is.</summary>
    public enum OtaPhase
    {
        /// <summary>Nothing to do: waiting for a trigger.</summary>
        Idle = 0,

        /// <summary>First boot of a new pair (PENDING_VERIFY): waiting for a status published on the primary broker.</summary>
        SelfTest = 1,

        /// <summary>"accepted" (or "downloading" after a reboot) is being published before MQTT is closed.</summary>
        AwaitReport = 2,

        /// <summary>Fetching the manifest and its signature and checking them; nothing erased yet.</summary>
        Checking = 3,

        /// <summary>After a reboot: hashing the prefix already in flash.</summary>
        Rehashing = 4,

        /// <summary>Streaming the parts into the inactive pair.</summary>
        Downloading = 5,

        /// <summary>Waiting before retrying a dropped download.</summary>
        RetryWait = 6,

        /// <summary>Both parts hashed: esp_ota_end, rel_N, boot slot.</summary>
        Verifying = 7,

        /// <summary>"rebooting" is being published; the reboot follows.</summary>
        Rebooting = 8
    }
}
