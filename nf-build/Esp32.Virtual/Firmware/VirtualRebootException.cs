namespace Esp32.Virtual.Firmware;

/// <summary>
/// The virtual chip rebooted inside a platform call (esp_ota_mark_app_invalid_rollback_and_reboot): as on the
/// device, no firmware code after that call may run, so the call unwinds with this.
/// </summary>
public sealed class VirtualRebootException(BootReport boot) : Exception("the virtual ESP32 rebooted (running " + (boot.RunningSlot?.ToString() ?? "nothing") + ")")
{
    public BootReport Boot { get; } = boot;
}
