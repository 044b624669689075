namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The managed-code half of an update pair: the nanoFramework deployment partitions deploy_0 / deploy_1
    /// (data subtype 0x84, flash-encrypted), deploy_N belonging to ota_N, through esp_partition_erase_range /
    /// esp_partition_write / esp_partition_read. Offsets are relative to the partition.
    /// Threat: the adapter refuses to erase or write the running pair's partition, so a bug or a hostile
    /// manifest can never destroy the code the device runs (and would roll back to).
    /// </summary>
    public interface IDeploySlots
    {
        /// <summary>Size in bytes of deploy_<paramref name="slot"/>.</summary>
        int SlotSize(int slot);

        /// <summary>Erases <paramref name="length"/> bytes at <paramref name="offset"/> (both multiples of 4096), sector by sector.</summary>
        void Erase(int slot, int offset, int length);

        /// <summary>Writes <paramref name="count"/> bytes at <paramref name="offset"/> (both multiples of 16: flash encryption works on 16-byte blocks).</summary>
        void Write(int slot, int offset, byte[] buffer, int count);

        /// <summary>Reads (decrypted by the flash cache).</summary>
        void Read(int slot, int offset, byte[] buffer, int count);
    }
}
