namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The running slot's trial state and the confirm/reject decision after an update
    /// (esp_ota_get_running_partition, esp_ota_get_state_partition, esp_ota_mark_app_valid_cancel_rollback,
    /// esp_ota_mark_app_invalid_rollback_and_reboot, esp_efuse_read_secure_version).
    /// </summary>
    public interface IOtaSlots
    {
        /// <summary>Index of the OTA slot (and deploy partition) pair the device is running from.</summary>
        int RunningSlot { get; }

        OtaImageState RunningState { get; }

        /// <summary>
        /// The anti-rollback floor burned in eFuse (esp_efuse_read_secure_version): the bootloader refuses an
        /// image whose secure_version is below it, so the updater refuses such a release before erasing.
        /// </summary>
        int SecureVersionFloor { get; }

        /// <summary>Confirms the running image: the bootloader will keep booting it (and, with anti-rollback, raises the eFuse floor).</summary>
        void MarkRunningValid();

        /// <summary>Rejects the running image and reboots into the previous one. On the device this call does not return.</summary>
        void MarkRunningInvalidAndReboot();
    }
}
