namespace Esp32.Formats.Ota;

/// <summary>
/// The otadata decisions of the ESP-IDF v5.5 second-stage bootloader, as a pure function of the two
/// otadata copies (bootloader_support/src/bootloader_utility.c:
/// <c>bootloader_utility_get_selected_boot_partition</c>, <c>bootloader_utility_load_boot_image</c>,
/// <c>set_actual_ota_seq</c>; bootloader_common_loader.c: <c>bootloader_common_ota_select_valid</c>,
/// <c>bootloader_common_select_otadata</c>).
/// </summary>
public static class OtaBootloader
{
    /// <summary>Decides which app boots and which otadata writes happen on the way.</summary>
    /// <param name="otaData">The two copies as read, or null when the table has no otadata partition
    /// (then the factory app is selected).</param>
    /// <param name="layout">Which app partitions exist (<see cref="OtaSlotLayout.FromPartitionTable"/>); the
    /// bootloader uses its <see cref="OtaSlotLayout.OtaAppCount"/> and <see cref="OtaSlotLayout.HasOta"/>.</param>
    /// <param name="isLoadable">Whether a slot holds an image that loads and verifies (for a slot that does
    /// not exist, return false). Called in the bootloader's search order, at most once per slot.</param>
    /// <param name="options">Rollback / anti-rollback configuration.</param>
    public static OtaBootDecision Boot(OtaSelectPair? otaData, OtaSlotLayout layout, Func<AppSlot, bool> isLoadable, OtaBootOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(isLoadable);
        var run = new BootRun(otaData, layout, options ?? OtaBootOptions.Default);
        var selection = otaData is null ? new Selection(AppSlot.Factory, -1, InitialContents: false) : run.SelectBootPartition();
        AppSlot? booted = run.LoadBootImage(selection, isLoadable);
        return new OtaBootDecision(selection.Slot, booted, selection.ActiveCopy, run.OtaData, run.Writes, run.SecureVersionUpdates);
    }

    /// <summary><c>(ota_seq − 1) % app_count</c> in 32-bit unsigned arithmetic, as the C code computes it.</summary>
    internal static int SlotOfSequence(uint sequence, int otaAppCount) => (int)((sequence - 1) % (uint)otaAppCount);

    private sealed record Selection(AppSlot Slot, int ActiveCopy, bool InitialContents);

    /// <summary>The state of one boot: the otadata as rewritten so far and the side effects in order.</summary>
    private sealed class BootRun(OtaSelectPair? otaData, OtaSlotLayout layout, OtaBootOptions options)
    {
        public OtaSelectPair? OtaData { get; private set; } = otaData;
        public List<OtaDataWrite> Writes { get; } = [];
        public List<AppSlot> SecureVersionUpdates { get; } = [];

        /// <summary><c>bootloader_utility_get_selected_boot_partition</c> for a table with otadata.</summary>
        public Selection SelectBootPartition()
        {
            var data = OtaData!;
            // With rollback, an app that was booted once and never confirmed is given up first. Threat: an
            // update that crashes or hangs before esp_ota_mark_app_valid_cancel_rollback cannot keep the device
            // in a boot loop; the previous app (still VALID in the other copy) is chosen instead.
            if (options.RollbackEnabled)
            {
                for (int copy = 0; copy < 2; copy++)
                {
                    if (data[copy].State == OtaImageState.PendingVerify)
                        data = Rewrite(copy, data[copy] with { State = OtaImageState.Aborted });
                }
            }

            bool bothInitial = data.Entry0.IsInitial && data.Entry1.IsInitial;
            int active;
            if (!options.AntiRollbackEnabled)
            {
                if ((data.Entry0.IsInvalid && data.Entry1.IsInvalid) || layout.OtaAppCount == 0)
                {
                    // "Defaulting to factory image", else "No factory image, trying OTA 0"; a fresh entry is
                    // written later (set_actual_ota_seq) only when both copies are blank or corrupt.
                    return layout.HasFactory
                        ? new Selection(AppSlot.Factory, -1, InitialContents: false)
                        : new Selection(AppSlot.Ota(0), -1, InitialContents: bothInitial);
                }
                active = data.ActiveIndex;
            }
            else
            {
                // Anti-rollback tables have no factory app: blank otadata means "try the OTA slots from 0".
                if (bothInitial) return new Selection(AppSlot.Factory, -1, InitialContents: true);
                active = SelectWithSecureVersionCheck(data);
            }

            // -1: "ota data partition invalid, falling back to factory" (or "... will try all partitions").
            if (active == -1) return new Selection(AppSlot.Factory, -1, InitialContents: false);

            var slot = AppSlot.Ota(SlotOfSequence(data[active].Sequence, layout.OtaAppCount));
            if (options.RollbackEnabled && data[active].State == OtaImageState.New)
                data = Rewrite(active, data[active] with { State = OtaImageState.PendingVerify });
            // Only a confirmed (VALID) app raises the eFuse secure_version, so an unconfirmed one can still roll back.
            if (options.AntiRollbackEnabled && data[active].State == OtaImageState.Valid)
                SecureVersionUpdates.Add(slot);
            return new Selection(slot, active, InitialContents: false);
        }

        /// <summary><c>get_active_otadata_with_check_anti_rollback</c>.</summary>
        private int SelectWithSecureVersionCheck(OtaSelectPair data)
        {
            // Threat: someone able to write otadata (but not eFuses) points it at an old, vulnerable image.
            // Copies naming a slot whose secure_version is below the eFuse value are ignored here.
            // check_anti_rollback on a missing ota_N (offset 0) fails to read a description: not allowed.
            bool Allowed(int copy) =>
                data[copy].IsValid
                && layout.OtaAppCount > 0 // the device would divide by zero here
                && layout.BootloaderCanLoad(SlotOfSequence(data[copy].Sequence, layout.OtaAppCount))
                && options.SecureVersionAllows(AppSlot.Ota(SlotOfSequence(data[copy].Sequence, layout.OtaAppCount)));
            return data.Select(Allowed(0), Allowed(1), max: true);
        }

        /// <summary>
        /// <c>bootloader_utility_load_boot_image</c>: the selected slot, then lower OTA slots down to the
        /// factory app, then higher OTA slots, then the test app.
        /// </summary>
        public AppSlot? LoadBootImage(Selection selection, Func<AppSlot, bool> isLoadable)
        {
            int start = selection.Slot.Index;
            for (int index = start; index >= AppSlot.Factory.Index; index--)
            {
                if (TryLoad(index, isLoadable)) return Booted(index, selection);
            }
            for (int index = start + 1; index < layout.OtaAppCount; index++)
            {
                if (TryLoad(index, isLoadable)) return Booted(index, selection);
            }
            if (layout.HasTest && options.SecureVersionAllows(AppSlot.Test) && isLoadable(AppSlot.Test)) return AppSlot.Test;
            return null; // "No bootable app partitions in the partition table"
        }

        /// <summary>
        /// <c>index_to_partition</c> gives a non-empty partition, <c>check_anti_rollback</c> and
        /// <c>try_load_partition</c> pass. On a sparse table (ota_0, ota_1, ota_3) an index below app_count
        /// can name a missing ota_N (here ota_2): skipped, as its size is 0.
        /// </summary>
        private bool TryLoad(int index, Func<AppSlot, bool> isLoadable)
        {
            bool exists = layout.BootloaderCanLoad(index);
            // The fallback search repeats the secure_version check: a failing newer image must not lead to an
            // older, rolled-back one.
            return exists && options.SecureVersionAllows(ToSlot(index)) && isLoadable(ToSlot(index));
        }

        /// <summary>
        /// <c>set_actual_ota_seq</c>: for an OTA slot booted from blank/corrupt otadata without a factory app,
        /// copy 0 becomes seq = slot + 1, state VALID.
        /// </summary>
        private AppSlot Booted(int index, Selection selection)
        {
            if (index >= 0 && selection.InitialContents && OtaData is not null)
            {
                Rewrite(0, OtaSelectEntry.Create((uint)index + 1, OtaImageState.Valid));
                if (options.AntiRollbackEnabled) SecureVersionUpdates.Add(AppSlot.Ota(index));
            }
            return ToSlot(index);
        }

        private static AppSlot ToSlot(int index) => index == AppSlot.Factory.Index ? AppSlot.Factory : AppSlot.Ota(index);

        /// <summary><c>write_otadata</c>: erase the copy's sector, write the 32-byte struct.</summary>
        private OtaSelectPair Rewrite(int copy, OtaSelectEntry entry)
        {
            OtaData = OtaData!.With(copy, entry);
            Writes.Add(new OtaEntryRewrite(copy, entry));
            return OtaData;
        }
    }
}
