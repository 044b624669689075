namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The nanoCLR app image half of an update pair: writes the inactive ota_N slot and hands it to the
    /// bootloader, as esp_ota_begin / esp_ota_resume / esp_ota_write / esp_ota_end /
    /// esp_ota_set_boot_partition do. The running slot is never written, so a failed or interrupted write
    /// leaves the device on its current pair.
    /// Writes are 16-byte aligned (offset and length): with flash encryption the flash controller encrypts
    /// whole 16-byte blocks only; the updater pads the last block of a part with 0xFF.
    /// </summary>
    public interface IOtaSlotWriter
    {
        /// <summary>esp_ota_get_next_update_partition(NULL): the ota_N slot the next update goes to.</summary>
        int InactiveSlot { get; }

        /// <summary>Size in bytes of the inactive ota_N partition.</summary>
        int SlotSize { get; }

        /// <summary>esp_ota_begin(inactive, imageSize): erases the 4 KB sectors an image of <paramref name="imageSize"/> bytes covers; writing starts at 0.</summary>
        void Begin(int imageSize);

        /// <summary>
        /// esp_ota_resume after a reboot or a dropped connection: erases the sectors from <paramref name="offset"/>
        /// (a multiple of 4096) to the end of the image, then continues writing at <paramref name="offset"/>.
        /// </summary>
        void Resume(int imageSize, int offset);

        /// <summary>esp_ota_write: appends <paramref name="count"/> bytes (a multiple of 16) at the current position.</summary>
        void Write(byte[] buffer, int offset, int count);

        /// <summary>
        /// esp_ota_end: true when the written image verifies as the bootloader will check it (esp_image_verify:
        /// header, chip, checksum, appended SHA-256; the signature too with secure boot). False = not bootable.
        /// </summary>
        bool End();

        /// <summary>esp_ota_set_boot_partition on the written slot (trial state NEW); false when refused (image invalid, secure_version below the eFuse).</summary>
        bool SetBootSlot();

        /// <summary>esp_ota_abort: abandons the image being written (the slot is never selected).</summary>
        void Abort();

        /// <summary>
        /// esp_partition_read of ota_<paramref name="slot"/> through the flash cache (decrypted): re-hashing the
        /// written prefix after a reboot, copying a reused part from the running slot.
        /// </summary>
        void Read(int slot, int offset, byte[] buffer, int count);
    }
}
