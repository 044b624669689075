namespace Esp32.Formats.Ota;

/// <summary>
/// <c>esp_ota_img_states_t</c> (bootloader_support/include/esp_flash_partitions.h): the rollback state
/// stored in an otadata entry.
/// </summary>
public enum OtaImageState : uint
{
    /// <summary>Set by <c>esp_ota_set_boot_partition</c> with rollback enabled; the bootloader turns it into PendingVerify.</summary>
    New = 0x0,

    /// <summary>First boot happened; if the app does not confirm, the next boot turns it into Aborted.</summary>
    PendingVerify = 0x1,

    /// <summary>Confirmed by <c>esp_ota_mark_app_valid_cancel_rollback</c>.</summary>
    Valid = 0x2,

    /// <summary>Rejected by <c>esp_ota_mark_app_invalid_rollback</c>; never selected again.</summary>
    Invalid = 0x3,

    /// <summary>Booted but never confirmed; never selected again.</summary>
    Aborted = 0x4,

    /// <summary>Erased flash / rollback disabled: the app boots without limits.</summary>
    Undefined = 0xFFFFFFFF,
}
