using Esp32.Formats.Ota;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// The app-side esp_ota_* functions as ESP-IDF v5.5.5 components/app_update/esp_ota_ops.c implements them
/// (<c>esp_rewrite_ota_data</c>, <c>esp_ota_current_ota_is_workable</c>, <c>esp_ota_check_rollback_is_possible</c>,
/// <c>esp_ota_get_state_partition</c>, <c>esp_ota_get_boot_partition</c>, <c>esp_ota_get_last_invalid_partition</c>).
/// </summary>
public class OtaAppOperationsTests
{
    private static readonly OtaSlotLayout TwoSlots = new(OtaAppCount: 2, HasFactory: false);

    private static OtaSelectEntry E(uint seq, OtaImageState state) => OtaSelectEntry.Create(seq, state);

    private static bool All(AppSlot _) => true;

    [Theory]
    [InlineData(0, 1u)]
    [InlineData(1, 2u)]
    public void Set_boot_partition_on_blank_otadata_writes_copy0_with_slot_plus_one(int slot, uint expectedSeq)
    {
        var result = OtaAppOperations.SetBootPartition(OtaSelectPair.Erased, TwoSlots, AppSlot.Ota(slot));
        Assert.Equal(OtaError.Ok, result.Error);
        Assert.Equal([new OtaEntryRewrite(0, E(expectedSeq, OtaImageState.New))], result.Writes);
    }

    [Theory]
    // active seq, target slot → new seq in the other copy (v5.5.x: "while (seq > (slot+1)%n + i*n) i++").
    [InlineData(1u, 1, 2u)]
    [InlineData(1u, 0, 1u)]   // already on ota_0: the other copy gets the same seq
    [InlineData(4u, 0, 5u)]
    [InlineData(4u, 1, 4u)]
    [InlineData(7u, 0, 7u)]
    [InlineData(7u, 1, 8u)]
    public void Set_boot_partition_computes_the_v55_sequence(uint activeSeq, int slot, uint expectedSeq)
    {
        var otaData = new OtaSelectPair(E(activeSeq, OtaImageState.Valid), OtaSelectEntry.Erased);
        var result = OtaAppOperations.SetBootPartition(otaData, TwoSlots, AppSlot.Ota(slot));
        Assert.Equal([new OtaEntryRewrite(1, E(expectedSeq, OtaImageState.New))], result.Writes);
        Assert.Equal(AppSlot.Ota(slot), OtaAppOperations.GetBootPartition(result.OtaDataAfter, TwoSlots));
    }

    [Fact]
    public void Set_boot_partition_keeps_the_label_read_and_uses_undefined_without_rollback()
    {
        var label = Enumerable.Range(0, 20).Select(i => (byte)i).ToArray();
        var otaData = new OtaSelectPair(new OtaSelectEntry(9, label, OtaImageState.Aborted, 0), E(3, OtaImageState.Valid));
        var result = OtaAppOperations.SetBootPartition(otaData, TwoSlots, AppSlot.Ota(0), options: new OtaBootOptions { RollbackEnabled = false });
        var write = Assert.IsType<OtaEntryRewrite>(Assert.Single(result.Writes));
        Assert.Equal(new OtaSelectEntry(3, label, OtaImageState.Undefined, OtaSelectEntry.ComputeCrc(3)), write.Entry);
        Assert.Equal(0, write.Copy);
    }

    [Fact]
    public void Set_boot_partition_factory_invalid_slot_and_bad_image()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), OtaSelectEntry.Erased);
        var layout = new OtaSlotLayout(2, HasFactory: true);
        Assert.Equal([new OtaDataErase()], OtaAppOperations.SetBootPartition(otaData, layout, AppSlot.Factory).Writes);
        Assert.Equal(OtaError.InvalidArgument, OtaAppOperations.SetBootPartition(otaData, layout, AppSlot.Ota(2)).Error);
        var invalidImage = OtaAppOperations.SetBootPartition(otaData, layout, AppSlot.Ota(1), isImageValid: _ => false);
        Assert.Equal((OtaError.ValidateFailed, 0), (invalidImage.Error, invalidImage.Writes.Count));

        var antiRollback = new OtaBootOptions { IsSecureVersionAllowed = _ => false };
        var refused = OtaAppOperations.SetBootPartition(otaData, TwoSlots, AppSlot.Ota(1), options: antiRollback);
        Assert.Equal((OtaError.SmallSecureVersion, true, 0), (refused.Error, refused.ErasesTargetPartition, refused.Writes.Count));
    }

    [Fact]
    public void Mark_valid_rewrites_the_active_copy_once()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.PendingVerify));
        var result = OtaAppOperations.MarkAppValidCancelRollback(otaData, TwoSlots);
        Assert.Equal([new OtaEntryRewrite(1, E(2, OtaImageState.Valid))], result.Writes);
        Assert.False(result.UpdatesSecureVersion);

        var again = OtaAppOperations.MarkAppValidCancelRollback(result.OtaDataAfter, TwoSlots);
        Assert.Equal((OtaError.Ok, 0), (again.Error, again.Writes.Count));

        Assert.Equal(OtaError.Fail, OtaAppOperations.MarkAppValidCancelRollback(OtaSelectPair.Erased, TwoSlots).Error);
        var antiRollback = OtaAppOperations.MarkAppValidCancelRollback(otaData, TwoSlots, new OtaBootOptions { IsSecureVersionAllowed = _ => true });
        Assert.Equal((OtaError.Ok, true), (antiRollback.Error, antiRollback.UpdatesSecureVersion));
        Assert.Equal(result.Writes, antiRollback.Writes);
    }

    [Fact]
    public void Mark_invalid_needs_a_rollback_target()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.PendingVerify));
        var result = OtaAppOperations.MarkAppInvalidRollback(otaData, TwoSlots, All);
        Assert.Equal([new OtaEntryRewrite(1, E(2, OtaImageState.Invalid))], result.Writes);

        // The previous slot's image is broken: no rollback possible.
        Assert.Equal(OtaError.RollbackFailed, OtaAppOperations.MarkAppInvalidRollback(otaData, TwoSlots, slot => slot != AppSlot.Ota(0)).Error);

        // Only one valid copy: rollback is possible only to a valid factory app.
        var single = new OtaSelectPair(OtaSelectEntry.Erased, E(2, OtaImageState.PendingVerify));
        Assert.False(OtaAppOperations.CheckRollbackIsPossible(single, TwoSlots, All));
        Assert.True(OtaAppOperations.CheckRollbackIsPossible(single, TwoSlots with { HasFactory = true }, All));
        Assert.False(OtaAppOperations.CheckRollbackIsPossible(single, TwoSlots with { HasFactory = true }, All, new OtaBootOptions { IsSecureVersionAllowed = _ => true }));
    }

    [Fact]
    public void State_of_a_partition_comes_from_the_copy_whose_seq_maps_to_it()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.PendingVerify));
        Assert.Equal((OtaError.Ok, OtaImageState.Valid), OtaAppOperations.GetStatePartition(otaData, TwoSlots, AppSlot.Ota(0)));
        Assert.Equal((OtaError.Ok, OtaImageState.PendingVerify), OtaAppOperations.GetStatePartition(otaData, TwoSlots, AppSlot.Ota(1)));
        Assert.Equal(OtaError.NotFound, OtaAppOperations.GetStatePartition(new OtaSelectPair(otaData.Entry0, OtaSelectEntry.Erased), TwoSlots, AppSlot.Ota(1)).Error);
        Assert.Equal(OtaError.NotSupported, OtaAppOperations.GetStatePartition(otaData, TwoSlots, AppSlot.Factory).Error);
        // An erased copy (seq 0xFFFFFFFF) maps to slot (0xFFFFFFFE % 2) = 0 but its crc does not match.
        Assert.Equal(OtaError.NotFound, OtaAppOperations.GetStatePartition(OtaSelectPair.Erased, TwoSlots, AppSlot.Ota(0)).Error);
    }

    [Fact]
    public void Boot_partition_and_last_invalid_partition()
    {
        Assert.Equal(AppSlot.Ota(0), OtaAppOperations.GetBootPartition(OtaSelectPair.Erased, TwoSlots));
        Assert.Equal(AppSlot.Factory, OtaAppOperations.GetBootPartition(OtaSelectPair.Erased, TwoSlots with { HasFactory = true }));

        var otaData = new OtaSelectPair(E(3, OtaImageState.Valid), E(2, OtaImageState.Aborted));
        Assert.Equal(AppSlot.Ota(0), OtaAppOperations.GetBootPartition(otaData, TwoSlots));
        Assert.Equal(AppSlot.Ota(1), OtaAppOperations.GetLastInvalidPartition(otaData, TwoSlots, All));
        Assert.Null(OtaAppOperations.GetLastInvalidPartition(otaData, TwoSlots, _ => false));
    }
}
