namespace Esp32.Formats.Ota;

/// <summary>What the second-stage bootloader decides and writes on one boot.</summary>
/// <param name="SelectedSlot">The slot <c>bootloader_utility_get_selected_boot_partition</c> returns: where
/// <c>bootloader_utility_load_boot_image</c> starts looking.</param>
/// <param name="BootedSlot">The slot whose image was loaded, or null when nothing is bootable (the
/// bootloader resets and the same happens again).</param>
/// <param name="ActiveCopy">The otadata copy (0 or 1) that chose <see cref="SelectedSlot"/>, or -1.</param>
/// <param name="OtaDataAfter">The otadata copies after <see cref="Writes"/>, or null without otadata.</param>
/// <param name="Writes">The otadata writes, in order.</param>
/// <param name="SecureVersionUpdates">Slots whose secure_version the bootloader burns into eFuse
/// (<c>update_anti_rollback</c>; anti-rollback only), in order.</param>
public sealed record OtaBootDecision(
    AppSlot SelectedSlot,
    AppSlot? BootedSlot,
    int ActiveCopy,
    OtaSelectPair? OtaDataAfter,
    IReadOnlyList<OtaDataWrite> Writes,
    IReadOnlyList<AppSlot> SecureVersionUpdates);
