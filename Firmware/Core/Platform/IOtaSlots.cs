namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The running slot's trial state and the confirm/reject decision after an update
    /// (esp_ota_get_state_partition, esp_ota_mark_app_valid_cancel_rollback,
    /// esp_ota_mark_app_invalid_rollback_and_reboot).
    /// </summary>
    public interface IOtaSlots
    {
        /// <summary>Index of the OTA slot the device is running from.</summary>
        int RunningSlot { get; }

        OtaImageState RunningState { get; }

        /// <summary>Confirms the running image: the bootloader will keep booting it.</summary>
        void MarkRunningValid();

        /// <summary>Rejects the running image and reboots into the previous one.</summary>
        void MarkRunningInvalidAndReboot();
    }
}
