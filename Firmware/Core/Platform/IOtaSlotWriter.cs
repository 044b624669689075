namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Writes a new app image into the inactive OTA slot and hands it to the bootloader, as
    /// esp_ota_begin / esp_ota_write / esp_ota_end / esp_ota_set_boot_partition do. The running slot is
    /// never touched, so a failed or interrupted write leaves the device on its current firmware.
    /// </summary>
    public interface IOtaSlotWriter
    {
        /// <summary>Erases the inactive slot for an image of <paramref name="imageSize"/> bytes and returns its index.</summary>
        int Begin(int imageSize);

        /// <summary>Re-opens the inactive slot after a reboot to continue at <paramref name="offset"/> (resumed download).</summary>
        int Resume(int imageSize, int offset);

        /// <summary>Appends bytes to the image being written.</summary>
        void Write(byte[] buffer, int offset, int count);

        /// <summary>Verifies the written image (header, checksum, hash); throws if it is not bootable.</summary>
        void End();

        /// <summary>Makes the written slot the one the bootloader tries next, in trial state.</summary>
        void SetBootSlot();

        /// <summary>Abandons the image being written.</summary>
        void Abort();
    }
}
