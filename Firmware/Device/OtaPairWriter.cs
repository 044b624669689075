using System;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IOtaSlotWriter"/>: the nanoCLR half of an update pair, written into the inactive ota_N through
    /// IotDevice.Interop (esp_ota_begin / esp_ota_resume / esp_ota_write / esp_ota_end / esp_ota_abort /
    /// esp_ota_set_boot_partition). The managed half goes to the paired deploy_N (<see cref="DeploySlots"/>).
    /// Writes must be 16-byte aligned (offset and length): with flash encryption the controller encrypts whole
    /// 16-byte blocks, and an unaligned tail would be padded by esp_ota_write with bytes the image hash never saw.
    /// Threat: the native side refuses any slot but esp_ota_get_next_update_partition (never the running image, the
    /// one a failed update rolls back to), and esp_ota_end verifies the image (and its signature with secure boot).
    /// </summary>
    public sealed class OtaPairWriter : IOtaSlotWriter
    {
        private const int Sector = 4096;
        private const int Block = 16;

        private uint _handle;
        private int _slot = -1;
        private int _position;

        public int InactiveSlot
        {
            get
            {
                int slot = Ota.NextSlot();
                if (slot < 0)
                    throw new InvalidOperationException("no OTA update slot (esp_ota_get_next_update_partition returned NULL)");
                return slot;
            }
        }

        public int SlotSize
        {
            get
            {
                int size = Ota.AppSlotSize(InactiveSlot);
                if (size < 0)
                    throw new EspException("app slot size", EspError.Last());
                return size;
            }
        }

        public void Begin(int imageSize)
        {
            AbortOpen();
            int slot = InactiveSlot;
            // erases every sector the image covers (seconds for a 1.6 MB image: the task watchdog allows for it)
            uint handle = Ota.BeginApp(slot, imageSize);
            if (handle == 0)
                throw new EspException("esp_ota_begin(ota_" + slot.ToString() + ", " + imageSize.ToString() + ")", EspError.Last());
            Opened(handle, slot, 0);
        }

        public void Resume(int imageSize, int offset)
        {
            if (offset < 0 || offset > imageSize || (offset % Sector != 0 && offset != imageSize))
                throw new ArgumentOutOfRangeException("offset", "resume offset " + offset.ToString() + " is not a sector boundary of the " + imageSize.ToString() + "-byte image");
            AbortOpen();
            int slot = InactiveSlot;
            uint handle = Ota.ResumeApp(slot, imageSize, offset);
            if (handle == 0)
                throw new EspException("esp_ota_resume(ota_" + slot.ToString() + ", " + offset.ToString() + ")", EspError.Last());
            Opened(handle, slot, offset);
        }

        public void Write(byte[] buffer, int offset, int count)
        {
            if (_handle == 0)
                throw new InvalidOperationException("esp_ota_write without esp_ota_begin");
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            if (count % Block != 0 || _position % Block != 0)
                throw new ArgumentException("OTA write of " + count.ToString() + " bytes at 0x" + _position.ToString("X") + " is not 16-byte aligned");
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException("count");
            EspException.Check("esp_ota_write", Ota.WriteApp(_handle, buffer, offset, count));
            _position += count;
        }

        public bool End()
        {
            if (_handle == 0)
                throw new InvalidOperationException("esp_ota_end without esp_ota_begin");
            uint handle = _handle;
            _handle = 0; // esp_ota_end frees the handle whatever it returns
            int error = Ota.EndApp(handle);
            if (error != 0)
            {
                Console.WriteLine("ota: esp_ota_end: " + EspException.NameOf(error));
                _slot = -1;
                return false;
            }
            return true;
        }

        public bool SetBootSlot()
        {
            if (_slot < 0)
                throw new InvalidOperationException("no verified image to select");
            int slot = _slot;
            _slot = -1;
            int error = Ota.SetBootSlot(slot);
            if (error != 0)
                Console.WriteLine("ota: esp_ota_set_boot_partition(ota_" + slot.ToString() + "): " + EspException.NameOf(error));
            return error == 0;
        }

        public void Abort()
        {
            AbortOpen();
            _slot = -1;
        }

        public void Read(int slot, int offset, byte[] buffer, int count)
        {
            if (buffer == null)
                throw new ArgumentNullException("buffer");
            if (count < 0 || count > buffer.Length)
                throw new ArgumentOutOfRangeException("count");
            byte[] data = Ota.ReadApp(slot, offset, count);
            EspException.CheckResult("esp_partition_read(ota_" + slot.ToString() + ")", data);
            Array.Copy(data, buffer, count);
        }

        private void Opened(uint handle, int slot, int position)
        {
            _handle = handle;
            _slot = slot;
            _position = position;
        }

        private void AbortOpen()
        {
            if (_handle == 0)
                return;
            uint handle = _handle;
            _handle = 0;
            Ota.AbortApp(handle);
        }
    }
}
