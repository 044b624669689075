using System;
using IotDevice.Core.Platform;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IOtaSlots"/> through IotDevice.Interop: esp_ota_get_running_partition, esp_ota_get_state_partition,
    /// esp_efuse_read_secure_version, esp_ota_mark_app_valid_cancel_rollback (with anti-rollback it also burns the
    /// running image's secure_version into the eFuse) and esp_ota_mark_app_invalid_rollback_and_reboot.
    /// </summary>
    public sealed class OtaSlots : IOtaSlots
    {
        public int RunningSlot
        {
            get
            {
                int slot = Ota.RunningSlot();
                if (slot < 0)
                    throw new InvalidOperationException("not running from an ota_N slot (the partition table has no factory app)");
                return slot;
            }
        }

        public OtaImageState RunningState
        {
            get
            {
                int state = Ota.RunningImageState();
                switch (state)
                {
                    case 0: return OtaImageState.New;
                    case 1: return OtaImageState.PendingVerify;
                    case 2: return OtaImageState.Valid;
                    case 3: return OtaImageState.Invalid;
                    case 4: return OtaImageState.Aborted;
                    default: return OtaImageState.Undefined; // -1 ESP_OTA_IMG_UNDEFINED, -2 no otadata entry
                }
            }
        }

        public int SecureVersionFloor
        {
            get { return Security.EfuseSecureVersion(); }
        }

        public void MarkRunningValid()
        {
            EspException.Check("esp_ota_mark_app_valid_cancel_rollback", Ota.MarkValid());
        }

        /// <summary>Does not return when the bootloader can roll back; returns (logged) when there is nothing to roll back to.</summary>
        public void MarkRunningInvalidAndReboot()
        {
            int error = Ota.MarkInvalidAndReboot();
            Console.WriteLine("ota: esp_ota_mark_app_invalid_rollback_and_reboot returned " + EspException.NameOf(error) + " (no other slot to roll back to)");
        }
    }
}
