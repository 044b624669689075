namespace Esp32.Formats.Ota;

/// <summary>
/// The otadata side of ESP-IDF v5.5's app_update component (components/app_update/esp_ota_ops.c) as pure
/// functions of the two otadata copies read at the start of each call. Image validation is the caller's:
/// functions that validate an image take a predicate.
/// </summary>
public static class OtaAppOperations
{
    /// <summary>
    /// <c>esp_ota_set_boot_partition</c> (v5.5.x <c>esp_rewrite_ota_data</c>): factory erases otadata; OTA slot
    /// N writes the copy that is not active with the smallest seq ≥ the active seq that maps to N
    /// (<c>while (seq &gt; (N+1) % n + i*n) i++</c>), state NEW with rollback (else UNDEFINED), label kept as
    /// read; with no valid copy, copy 0 gets seq N + 1.
    /// </summary>
    /// <param name="otaData">The copies as read.</param>
    /// <param name="layout">Uses <see cref="OtaSlotLayout.ContiguousOtaAppCount"/>.</param>
    /// <param name="target">The app partition to boot next.</param>
    /// <param name="isImageValid">The image check the call starts with (<c>esp_image_verify</c>); null = valid.</param>
    /// <param name="options">Rollback / anti-rollback configuration.</param>
    public static OtaOperationResult SetBootPartition(
        OtaSelectPair otaData, OtaSlotLayout layout, AppSlot target, Func<AppSlot, bool>? isImageValid = null, OtaBootOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        options ??= OtaBootOptions.Default;
        // Threat: a truncated or corrupt download must never be selected, or the next boot falls back or
        // finds nothing. esp_image_verify checks checksum and SHA-256 (a signature only with secure boot),
        // so without secure boot anyone able to write the slot can still make any well-formed image boot.
        if (isImageValid is not null && !isImageValid(target)) return OtaOperationResult.Failed(OtaError.ValidateFailed, otaData);
        if (target.IsFactory) return OtaOperationResult.Done(otaData, new OtaDataErase());
        // Threat: a downgrade to an older, vulnerable image. An app bypassing this check gains nothing: the
        // bootloader refuses the slot too (OtaBootloader), and anti-rollback tables have no factory app.
        if (options.AntiRollbackEnabled && !options.SecureVersionAllows(target))
            return OtaOperationResult.Failed(OtaError.SmallSecureVersion, otaData) with { ErasesTargetPartition = true };

        // SUB_TYPE_ID(subtype) is subtype & 0x0F, so the test app (0x20) is treated as slot 0, as on the device.
        uint slot = target.IsTest ? 0u : (uint)target.OtaIndex;
        uint count = (uint)layout.ContiguousOtaAppCount;
        if (slot >= count) return OtaOperationResult.Failed(OtaError.InvalidArgument, otaData);

        var newState = options.RollbackEnabled ? OtaImageState.New : OtaImageState.Undefined;
        int active = otaData.ActiveIndex;
        if (active == -1)
        {
            // "Both OTA slots are invalid, probably because unformatted..."
            var first = (otaData.Entry0 with { State = newState }).WithSequence(slot + 1);
            return OtaOperationResult.Done(otaData, new OtaEntryRewrite(0, first));
        }

        ulong seq = otaData[active].Sequence;
        ulong candidate = (slot + 1) % count;
        if (candidate < seq) candidate += (seq - candidate + count - 1) / count * count;
        if (candidate >= OtaSelectEntry.ErasedSequence)
            return OtaOperationResult.Failed(OtaError.Fail, otaData); // 32-bit seq exhausted; unreachable in practice
        int next = active ^ 1;
        var entry = (otaData[next] with { State = newState }).WithSequence((uint)candidate);
        return OtaOperationResult.Done(otaData, new OtaEntryRewrite(next, entry));
    }

    /// <summary>
    /// <c>esp_ota_mark_app_valid_cancel_rollback</c>: the active copy becomes VALID (rewritten in place with
    /// the same seq) unless it already is; ESP_FAIL when no copy is active or there are no OTA apps.
    /// </summary>
    public static OtaOperationResult MarkAppValidCancelRollback(OtaSelectPair otaData, OtaSlotLayout layout, OtaBootOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        options ??= OtaBootOptions.Default;
        int active = otaData.ActiveIndex;
        if (active == -1 || layout.ContiguousOtaAppCount == 0) return OtaOperationResult.Failed(OtaError.Fail, otaData); // "Running firmware is factory"
        if (otaData[active].State == OtaImageState.Valid) return OtaOperationResult.Done(otaData);
        var entry = (otaData[active] with { State = OtaImageState.Valid }).WithSequence(otaData[active].Sequence);
        // Threat: the eFuse secure_version is raised only once the new app has confirmed itself, so a broken
        // update can still roll back; after this, older images can never boot again (eFuse bits are one-way).
        return OtaOperationResult.Done(otaData, new OtaEntryRewrite(active, entry)) with { UpdatesSecureVersion = options.AntiRollbackEnabled };
    }

    /// <summary>
    /// <c>esp_ota_mark_app_invalid_rollback</c> (the part before the reboot of <c>..._and_reboot</c>): the
    /// active copy becomes INVALID, provided <see cref="CheckRollbackIsPossible"/>; else
    /// ESP_ERR_OTA_ROLLBACK_FAILED. ESP_FAIL when no copy is active.
    /// </summary>
    public static OtaOperationResult MarkAppInvalidRollback(
        OtaSelectPair otaData, OtaSlotLayout layout, Func<AppSlot, bool> isImageValid, OtaBootOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        int active = otaData.ActiveIndex;
        if (active == -1 || layout.ContiguousOtaAppCount == 0) return OtaOperationResult.Failed(OtaError.Fail, otaData);
        if (!CheckRollbackIsPossible(otaData, layout, isImageValid, options)) return OtaOperationResult.Failed(OtaError.RollbackFailed, otaData);
        var entry = (otaData[active] with { State = OtaImageState.Invalid }).WithSequence(otaData[active].Sequence);
        return OtaOperationResult.Done(otaData, new OtaEntryRewrite(active, entry));
    }

    /// <summary>
    /// <c>esp_ota_check_rollback_is_possible</c>: true when the copy that is not active is valid and its slot
    /// holds a valid image (with anti-rollback: an allowed secure_version), or, without anti-rollback, when
    /// that copy is not valid but a valid factory image exists.
    /// </summary>
    public static bool CheckRollbackIsPossible(OtaSelectPair otaData, OtaSlotLayout layout, Func<AppSlot, bool> isImageValid, OtaBootOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(isImageValid);
        options ??= OtaBootOptions.Default;
        int count = layout.ContiguousOtaAppCount;
        if (count == 0) return false;
        int active = otaData.ActiveIndex;
        if (active == -1) return false;
        var previous = otaData[active ^ 1];

        // Threat: with anti-rollback the factory app (no secure_version check on this path) is never a
        // rollback target, so rolling back cannot be used to reach an image older than the eFuse allows.
        if (!options.AntiRollbackEnabled && !previous.IsValid && layout.HasFactory && isImageValid(AppSlot.Factory))
            return true;
        if (previous.IsValid)
        {
            var slot = AppSlot.Ota(OtaBootloader.SlotOfSequence(previous.Sequence, count));
            return isImageValid(slot) && options.SecureVersionAllows(slot);
        }
        return false;
    }

    /// <summary>
    /// <c>esp_ota_get_state_partition</c>: the state of the first copy (0, then 1) whose seq maps to the slot
    /// and whose crc is right (the state itself is not checked).
    /// </summary>
    public static (OtaError Error, OtaImageState? State) GetStatePartition(OtaSelectPair otaData, OtaSlotLayout layout, AppSlot slot)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        if (!slot.IsOta) return (OtaError.NotSupported, null);
        int count = layout.ContiguousOtaAppCount;
        if (count == 0) return (OtaError.NotFound, null);
        for (int copy = 0; copy < 2; copy++)
        {
            var entry = otaData[copy];
            if (OtaBootloader.SlotOfSequence(entry.Sequence, count) == slot.OtaIndex && entry.IsCrcValid)
                return (OtaError.Ok, entry.State);
        }
        return (OtaError.NotFound, null);
    }

    /// <summary>
    /// <c>esp_ota_get_boot_partition</c>: the slot the active copy names; with both copies invalid, no OTA
    /// apps or no active copy, the default (<see cref="OtaSlotLayout.DefaultBootPartition"/>: factory, else
    /// the lowest ota_N, else test; null when none).
    /// </summary>
    public static AppSlot? GetBootPartition(OtaSelectPair otaData, OtaSlotLayout layout)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        int count = layout.ContiguousOtaAppCount;
        if (!(otaData.Entry0.IsInvalid && otaData.Entry1.IsInvalid) && count != 0)
        {
            int active = otaData.ActiveIndex;
            if (active != -1) return AppSlot.Ota(OtaBootloader.SlotOfSequence(otaData[active].Sequence, count));
        }
        return layout.DefaultBootPartition; // find_default_boot_partition
    }

    /// <summary>
    /// <c>esp_ota_get_last_invalid_partition</c>: among copies with a valid seq/crc in state INVALID or
    /// ABORTED, the one with the smaller seq, if its slot still holds a valid image.
    /// </summary>
    public static AppSlot? GetLastInvalidPartition(OtaSelectPair otaData, OtaSlotLayout layout, Func<AppSlot, bool> isImageValid)
    {
        ArgumentNullException.ThrowIfNull(otaData);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(isImageValid);
        static bool Rejected(OtaSelectEntry e) =>
            e.Sequence != OtaSelectEntry.ErasedSequence && e.IsCrcValid && e.State is OtaImageState.Invalid or OtaImageState.Aborted;
        int copy = otaData.Select(Rejected(otaData.Entry0), Rejected(otaData.Entry1), max: false);
        int count = layout.ContiguousOtaAppCount;
        if (copy == -1 || count == 0) return null;
        var slot = AppSlot.Ota(OtaBootloader.SlotOfSequence(otaData[copy].Sequence, count));
        return isImageValid(slot) ? slot : null;
    }
}
