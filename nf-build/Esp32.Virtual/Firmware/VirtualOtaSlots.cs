using Esp32.Formats.Ota;
using IotDevice.Core.Platform;
using CoreState = IotDevice.Core.Platform.OtaImageState;

namespace Esp32.Virtual.Firmware;

/// <summary>
/// <see cref="IOtaSlots"/> on a <see cref="VirtualEsp32"/>: the running slot and its otadata state, the eFuse
/// secure_version (popcount of BLK3 bits 128..159), esp_ota_mark_app_valid_cancel_rollback (which burns the
/// running image's secure_version with anti-rollback) and esp_ota_mark_app_invalid_rollback_and_reboot.
/// </summary>
public sealed class VirtualOtaSlots(VirtualEsp32 device) : IOtaSlots
{
    public int RunningSlot => device.RunningSlot is { IsOta: true } slot ? slot.OtaIndex : throw new InvalidOperationException("not running from an OTA slot");

    public CoreState RunningState => device.Ota.RunningState switch
    {
        Esp32.Formats.Ota.OtaImageState.New => CoreState.New,
        Esp32.Formats.Ota.OtaImageState.PendingVerify => CoreState.PendingVerify,
        Esp32.Formats.Ota.OtaImageState.Valid => CoreState.Valid,
        Esp32.Formats.Ota.OtaImageState.Invalid => CoreState.Invalid,
        Esp32.Formats.Ota.OtaImageState.Aborted => CoreState.Aborted,
        _ => CoreState.Undefined,
    };

    public int SecureVersionFloor => device.Efuses.ReadSecureVersion();

    public void MarkRunningValid()
    {
        OtaError error = device.Ota.MarkAppValidCancelRollback();
        if (error != OtaError.Ok)
            throw new InvalidOperationException($"esp_ota_mark_app_valid_cancel_rollback failed: {error}");
    }

    /// <summary>Reboots (throws <see cref="VirtualRebootException"/>) unless no rollback is possible; then it returns.</summary>
    public void MarkRunningInvalidAndReboot()
    {
        var (error, boot) = device.Ota.MarkAppInvalidRollbackAndReboot();
        if (error == OtaError.Ok && boot is not null)
            throw new VirtualRebootException(boot);
    }
}
