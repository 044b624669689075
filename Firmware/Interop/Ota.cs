using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>
    /// The A/B slots: app partition ota_N (esp_ota_*) and its managed-code partition deploy_N (same N, found
    /// by label). Slots are the N of ota_N. Only the slot that is not running can be written.
    /// </summary>
    public static class Ota
    {
        /// <summary>N of the running ota_N (esp_ota_get_running_partition), or -1.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int RunningSlot();

        /// <summary>N of esp_ota_get_next_update_partition(NULL), or -1.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int NextSlot();

        /// <summary>esp_ota_begin on ota_slot (must be the next update slot) for imageSize bytes: a handle, or 0 (see <see cref="EspError.Last"/>).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint BeginApp(int slot, int imageSize);

        /// <summary>esp_ota_write of data[offset .. offset+count); returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int WriteApp(uint handle, byte[] data, int offset, int count);

        /// <summary>esp_ota_end: verifies the image (checksum, SHA-256, signature with secure boot); returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int EndApp(uint handle);

        /// <summary>esp_ota_abort; returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int AbortApp(uint handle);

        /// <summary>esp_partition_erase_range of deploy_slot [partitionOffset, partitionOffset+length), both multiples of 4096 (refused for the running slot: ESP_ERR_INVALID_ARG); returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int EraseDeploy(int slot, int partitionOffset, int length);

        /// <summary>esp_partition_write into deploy_slot at partitionOffset (refused for the running slot); returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int WriteDeploy(int slot, int partitionOffset, byte[] data, int offset, int count);

        /// <summary>esp_partition_read of count bytes of deploy_slot at partitionOffset (decrypted), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] ReadDeploy(int slot, int partitionOffset, int count);

        /// <summary>esp_ota_set_boot_partition(ota_slot); returns the esp_err_t (anti-rollback refuses an older secure_version).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int SetBootSlot(int slot);

        /// <summary>esp_ota_mark_app_valid_cancel_rollback (with anti-rollback this also raises the eFuse secure_version); returns the esp_err_t.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int MarkValid();

        /// <summary>esp_ota_mark_app_invalid_rollback_and_reboot: does not return when it succeeds; returns the esp_err_t when it cannot roll back.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int MarkInvalidAndReboot();

        /// <summary>esp_ota_get_state_partition of the running slot: esp_ota_img_states_t (0 NEW, 1 PENDING_VERIFY, 2 VALID, 3 INVALID, 4 ABORTED, -1 UNDEFINED), or -2 when unknown.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int RunningImageState();

        /// <summary>esp_app_desc_t.version of the image in ota_slot (esp_ota_get_partition_description), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern string AppVersion(int slot);

        /// <summary>esp_app_desc_t.secure_version of the image in ota_slot, or -1.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int AppSecureVersion(int slot);

        /// <summary>
        /// esp_ota_resume on ota_slot (must be the next update slot) for an image of imageSize bytes of which the first
        /// offset bytes (a multiple of 4096, or imageSize) are already written: with OTA_WITH_SEQUENTIAL_WRITES each
        /// further sector is erased when the writes reach it. A handle, or 0 (see <see cref="EspError.Last"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint ResumeApp(int slot, int imageSize, int offset);

        /// <summary>esp_partition_read of count bytes of ota_slot at partitionOffset (decrypted by the flash cache), or null.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern byte[] ReadApp(int slot, int partitionOffset, int count);

        /// <summary>Size in bytes of the ota_slot partition, or -1 when there is none.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int AppSlotSize(int slot);

        /// <summary>Size in bytes of the deploy_slot partition, or -1 when there is none.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int DeploySlotSize(int slot);

        /// <summary>
        /// esp_app_desc_t.date + " " + esp_app_desc_t.time of the image in ota_slot, as the compiler's __DATE__ and
        /// __TIME__ wrote them ("Dec  1 2026 20:15:00"), or null. The build time is the oldest clock the device accepts.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern string AppBuildTime(int slot);
    }
}
