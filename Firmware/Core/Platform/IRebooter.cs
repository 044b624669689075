namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Restarts the device. After an OTA the new slot only runs after a reboot, and the bootloader's
    /// rollback decision is taken at boot, so the core asks for a reboot instead of continuing.
    /// </summary>
    public interface IRebooter
    {
        /// <summary>Reboots now. On the device this call does not return.</summary>
        /// <param name="reason">Logged before the restart so a field report shows why it happened.</param>
        void Reboot(string reason);
    }
}
