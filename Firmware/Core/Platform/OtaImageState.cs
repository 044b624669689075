namespace IotDevice.Core.Platform
{
    /// <summary>
    /// State of an app slot as the bootloader records it in otadata (esp_ota_img_states_t).
    /// </summary>
    public enum OtaImageState
    {
        /// <summary>Just written and selected; not booted yet.</summary>
        New = 0,

        /// <summary>Booted once and on trial: if it is not confirmed before the next reboot, the bootloader rolls back.</summary>
        PendingVerify = 1,

        /// <summary>Confirmed by the app's self-test.</summary>
        Valid = 2,

        /// <summary>Marked bad by the app.</summary>
        Invalid = 3,

        /// <summary>Rolled back by the bootloader because it was never confirmed.</summary>
        Aborted = 4,

        /// <summary>No state recorded (rollback disabled, or a slot flashed by esptool).</summary>
        Undefined = -1
    }
}
