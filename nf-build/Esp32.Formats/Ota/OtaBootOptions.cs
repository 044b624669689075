namespace Esp32.Formats.Ota;

/// <summary>The bootloader/app Kconfig options that change the OTA decisions.</summary>
public sealed record OtaBootOptions
{
    /// <summary>Rollback on, anti-rollback off.</summary>
    public static OtaBootOptions Default { get; } = new();

    /// <summary>
    /// CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE: the bootloader turns PENDING_VERIFY into ABORTED and NEW into
    /// PENDING_VERIFY; <c>esp_ota_set_boot_partition</c> writes state NEW instead of UNDEFINED.
    /// </summary>
    public bool RollbackEnabled { get; init; } = true;

    /// <summary>
    /// CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK when not null: tells whether the app in a slot has a
    /// <c>secure_version</c> the eFuse allows (<c>esp_efuse_check_secure_version</c>). Slots it rejects are
    /// never selected or booted.
    /// </summary>
    public Func<AppSlot, bool>? IsSecureVersionAllowed { get; init; }

    /// <summary>Anti-rollback is configured.</summary>
    public bool AntiRollbackEnabled => IsSecureVersionAllowed is not null;

    internal bool SecureVersionAllows(AppSlot slot) => IsSecureVersionAllowed?.Invoke(slot) ?? true;
}
