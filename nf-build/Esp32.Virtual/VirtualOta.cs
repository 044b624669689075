using Esp32.Formats.AppImage;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;

namespace Esp32.Virtual;

/// <summary>
/// The app-side esp_ota_* calls of the running firmware on a <see cref="VirtualEsp32"/>: they write
/// otadata through the flash cache as ESP-IDF v5.5 does, and with anti-rollback burn the running app's
/// secure_version into eFuse once it is confirmed.
/// </summary>
public sealed class VirtualOta(VirtualEsp32 device)
{
    private PartitionTable Table => device.Partitions;

    private OtaSlotLayout Layout => OtaSlotLayout.FromPartitionTable(Table);

    private OtaDataPartition OtaData => new(device.OpenPartition(Table.OtaData!.Name));

    private OtaBootOptions Options => new()
    {
        RollbackEnabled = device.Settings.AppRollback,
        IsSecureVersionAllowed = device.Settings.AntiRollback
            ? slot => DescriptionIn(slot) is { } d && device.Efuses.CheckSecureVersion(d.SecureVersion)
            : null,
    };

    /// <summary>The app partition of an OTA slot.</summary>
    public PartitionView SlotPartition(int otaSlot) =>
        device.OpenPartition((Table.OtaAppSlots.FirstOrDefault(e => e.OtaSlot == otaSlot)
            ?? throw new ArgumentException($"no ota_{otaSlot} partition")).Name);

    /// <summary>
    /// esp_ota_get_next_update_partition(NULL): the ota_N present after the running one, else the lowest
    /// (<see cref="OtaSlotLayout.NextUpdatePartition"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The table has no OTA app partition.</exception>
    public int NextUpdateSlot =>
        Layout.NextUpdatePartition(device.RunningSlot)?.OtaIndex ?? throw new InvalidOperationException("the partition table has no OTA app partition");

    /// <summary>esp_ota_get_state_partition for the running slot.</summary>
    public OtaImageState? RunningState =>
        device.RunningSlot is { } slot ? OtaData.GetStatePartition(Layout, slot).State : null;

    /// <summary>esp_ota_set_boot_partition: validates the image, then selects the slot (state NEW with rollback).</summary>
    public OtaError SetBootPartition(int otaSlot)
    {
        var result = OtaData.SetBootPartition(Layout, AppSlot.Ota(otaSlot), ImageVerifies, Options);
        if (result.ErasesTargetPartition)
        {
            var partition = SlotPartition(otaSlot);
            partition.Erase(0, partition.Size);
        }
        return result.Error;
    }

    /// <summary>esp_ota_mark_app_valid_cancel_rollback (+ esp_efuse_update_secure_version with anti-rollback).</summary>
    public OtaError MarkAppValidCancelRollback()
    {
        var result = OtaData.MarkAppValidCancelRollback(Layout, Options);
        if (result.Error == OtaError.Ok && device.Settings.AntiRollback && device.RunningSlot is { } slot && DescriptionIn(slot) is { } d)
            device.Efuses.UpdateSecureVersion(d.SecureVersion);
        return result.Error;
    }

    /// <summary>esp_ota_mark_app_invalid_rollback_and_reboot: marks the running image invalid and reboots.</summary>
    public (OtaError Error, BootReport? Boot) MarkAppInvalidRollbackAndReboot()
    {
        var result = OtaData.MarkAppInvalidRollback(Layout, ImageVerifies, Options);
        return result.Error == OtaError.Ok ? (result.Error, device.Reboot()) : (result.Error, null);
    }

    private bool ImageVerifies(AppSlot slot) =>
        !slot.IsFactory && !slot.IsTest && VirtualBootloader.ImageVerifies(SlotPartition(slot.OtaIndex), VirtualBootloader.TrustedKeyDigest(device.Efuses));

    /// <summary>
    /// esp_ota_get_partition_description (bootloader_common_get_partition_description): the esp_app_desc_t after the
    /// image and first segment headers, read through the cache, its magic word checked; the image itself is not
    /// verified here (the calls that need that verify it separately).
    /// </summary>
    private AppDescription? DescriptionIn(AppSlot slot)
    {
        if (slot.IsFactory || slot.IsTest)
            return null;
        Span<byte> head = stackalloc byte[AppDescription.ImageOffset + AppDescription.Size];
        SlotPartition(slot.OtaIndex).Read(0, head);
        return AppDescription.TryRead(head[AppDescription.ImageOffset..]);
    }
}
