using System;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IDeploySlots"/>: deploy_0 / deploy_1 (data subtype 0x84, flagged encrypted) through IotDevice.Interop
    /// (esp_partition_erase_range / esp_partition_write / esp_partition_read on the partition labelled deploy_N).
    /// Threat: the native side refuses to erase or write the running pair's deploy partition (it is memory-mapped by
    /// nanoCLR and holds the assemblies it runs); this class checks alignment before anything reaches the flash.
    /// </summary>
    public sealed class DeploySlots : IDeploySlots
    {
        private const int Sector = 4096;
        private const int Block = 16;

        public int SlotSize(int slot)
        {
            int size = Ota.DeploySlotSize(slot);
            if (size < 0)
                throw new EspException("deploy_" + slot.ToString() + " size", EspError.Last());
            return size;
        }

        /// <summary>Sector by sector (each call a few tens of milliseconds), so managed threads get the CPU between sectors.</summary>
        public void Erase(int slot, int offset, int length)
        {
            if (offset < 0 || length < 0 || offset % Sector != 0 || length % Sector != 0)
                throw new ArgumentException("deploy erase 0x" + offset.ToString("X") + "+0x" + length.ToString("X") + " is not sector aligned");
            for (int at = offset; at < offset + length; at += Sector)
                EspException.Check("esp_partition_erase_range(deploy_" + slot.ToString() + ", 0x" + at.ToString("X") + ")", Ota.EraseDeploy(slot, at, Sector));
        }

        public void Write(int slot, int offset, byte[] buffer, int count)
        {
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            if (offset % Block != 0 || count % Block != 0)
                throw new ArgumentException("deploy write of " + count.ToString() + " bytes at 0x" + offset.ToString("X") + " is not 16-byte aligned");
            if (count < 0 || count > buffer.Length)
                throw new ArgumentOutOfRangeException("count");
            EspException.Check("esp_partition_write(deploy_" + slot.ToString() + ", 0x" + offset.ToString("X") + ")", Ota.WriteDeploy(slot, offset, buffer, 0, count));
        }

        public void Read(int slot, int offset, byte[] buffer, int count)
        {
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            if (count < 0 || count > buffer.Length)
                throw new ArgumentOutOfRangeException("count");
            byte[] data = Ota.ReadDeploy(slot, offset, count);
            EspException.CheckResult("esp_partition_read(deploy_" + slot.ToString() + ")", data);
            Array.Copy(data, buffer, count);
        }
    }
}
