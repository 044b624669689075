using Esp32.Formats.Ota;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// The bootloader's otadata decisions, scenario by scenario as ESP-IDF v5.5.5
/// bootloader_support/src/bootloader_utility.c (<c>bootloader_utility_get_selected_boot_partition</c>,
/// <c>bootloader_utility_load_boot_image</c>, <c>set_actual_ota_seq</c>) takes them with
/// CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
/// </summary>
public class OtaBootloaderTests
{
    private static readonly OtaSlotLayout NoFactory = new(OtaAppCount: 2, HasFactory: false);
    private static readonly OtaSlotLayout WithFactory = new(OtaAppCount: 2, HasFactory: true);

    private static bool All(AppSlot _) => true;

    private static OtaSelectEntry E(uint seq, OtaImageState state) => OtaSelectEntry.Create(seq, state);

    [Fact]
    public void Without_otadata_partition_the_factory_app_boots()
    {
        var decision = OtaBootloader.Boot(null, WithFactory, All);
        Assert.Equal((AppSlot.Factory, AppSlot.Factory), (decision.SelectedSlot, decision.BootedSlot!.Value));
        Assert.Empty(decision.Writes);
    }

    [Fact]
    public void Blank_otadata_with_factory_boots_factory_without_writing()
    {
        var decision = OtaBootloader.Boot(OtaSelectPair.Erased, WithFactory, All);
        Assert.Equal(AppSlot.Factory, decision.BootedSlot);
        Assert.Empty(decision.Writes);
    }

    [Fact]
    public void Blank_otadata_without_factory_boots_ota0_and_writes_seq1_valid_into_copy0()
    {
        var decision = OtaBootloader.Boot(OtaSelectPair.Erased, NoFactory, All);

        Assert.Equal((AppSlot.Ota(0), AppSlot.Ota(0)), (decision.SelectedSlot, decision.BootedSlot!.Value));
        var write = Assert.IsType<OtaEntryRewrite>(Assert.Single(decision.Writes));
        Assert.Equal(0, write.Copy);
        Assert.Equal("01000000" + string.Concat(Enumerable.Repeat("ff", 20)) + "02000000" + "9a984347", Convert.ToHexStringLower(write.Entry.ToBytes()));
    }

    [Fact]
    public void Blank_otadata_without_factory_and_broken_ota0_boots_ota1_with_seq2()
    {
        var decision = OtaBootloader.Boot(OtaSelectPair.Erased, NoFactory, slot => slot != AppSlot.Ota(0));
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot);
        Assert.Equal(new OtaEntryRewrite(0, E(2, OtaImageState.Valid)), Assert.Single(decision.Writes));
    }

    [Fact]
    public void New_image_is_marked_pending_verify_and_booted()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.New));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All);

        Assert.Equal(1, decision.ActiveCopy);
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot);
        Assert.Equal([new OtaEntryRewrite(1, E(2, OtaImageState.PendingVerify))], decision.Writes);
        Assert.Equal(E(2, OtaImageState.PendingVerify), decision.OtaDataAfter!.Entry1);
    }

    [Fact]
    public void Unconfirmed_image_is_aborted_first_and_the_previous_app_boots()
    {
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.PendingVerify));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All);

        Assert.Equal([new OtaEntryRewrite(1, E(2, OtaImageState.Aborted))], decision.Writes);
        Assert.Equal((0, AppSlot.Ota(0)), (decision.ActiveCopy, decision.BootedSlot!.Value));
    }

    [Fact]
    public void Pending_copies_are_aborted_even_with_a_bad_crc_and_before_anything_else()
    {
        var broken = E(3, OtaImageState.PendingVerify) with { Crc = 0 };
        var otaData = new OtaSelectPair(broken, E(2, OtaImageState.New));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All);
        Assert.Equal(
            [new OtaEntryRewrite(0, broken with { State = OtaImageState.Aborted }), new OtaEntryRewrite(1, E(2, OtaImageState.PendingVerify))],
            decision.Writes);
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot);
    }

    [Fact]
    public void Without_rollback_states_are_left_alone()
    {
        var options = new OtaBootOptions { RollbackEnabled = false };
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.PendingVerify));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All, options);
        Assert.Empty(decision.Writes);
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot);
    }

    [Fact]
    public void Both_copies_rejected_without_factory_boots_ota0_without_writing()
    {
        // INVALID/ABORTED copies have a valid seq and crc, so they are not "initial": no set_actual_ota_seq.
        var otaData = new OtaSelectPair(E(1, OtaImageState.Invalid), E(2, OtaImageState.Aborted));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All);
        Assert.Equal(AppSlot.Ota(0), decision.BootedSlot);
        Assert.Empty(decision.Writes);
    }

    [Fact]
    public void Corrupt_crc_without_factory_tries_all_slots_without_writing()
    {
        // A copy with a wrong crc is not "invalid" (seq and state look fine), so the first branch is not
        // taken; no copy is valid → FACTORY_INDEX → no factory → ota_0 onwards, otadata untouched.
        var otaData = new OtaSelectPair(E(2, OtaImageState.Valid) with { Crc = 0x1234 }, OtaSelectEntry.Erased);
        var decision = OtaBootloader.Boot(otaData, NoFactory, All);
        Assert.Equal((AppSlot.Factory, AppSlot.Ota(0)), (decision.SelectedSlot, decision.BootedSlot!.Value));
        Assert.Empty(decision.Writes);
    }

    [Fact]
    public void Failed_image_falls_back_downwards_then_upwards_then_test()
    {
        var layout = new OtaSlotLayout(OtaAppCount: 4, HasFactory: true, HasTest: true);
        var otaData = new OtaSelectPair(E(2, OtaImageState.Valid), E(3, OtaImageState.Valid)); // seq 3 → ota_2
        var tried = new List<AppSlot>();
        var decision = OtaBootloader.Boot(otaData, layout, slot => { tried.Add(slot); return false; });

        Assert.Equal(AppSlot.Ota(2), decision.SelectedSlot);
        Assert.Null(decision.BootedSlot);
        Assert.Equal([AppSlot.Ota(2), AppSlot.Ota(1), AppSlot.Ota(0), AppSlot.Factory, AppSlot.Ota(3), AppSlot.Test], tried);
    }

    [Fact]
    public void Sequence_maps_to_slot_modulo_the_number_of_ota_apps()
    {
        var layout = new OtaSlotLayout(OtaAppCount: 3, HasFactory: false);
        var decision = OtaBootloader.Boot(new OtaSelectPair(E(5, OtaImageState.Valid), E(4, OtaImageState.Valid)), layout, All);
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot); // (5 - 1) % 3
    }

    [Fact]
    public void Anti_rollback_skips_copies_whose_app_has_a_low_secure_version_and_burns_the_valid_one()
    {
        var options = new OtaBootOptions { IsSecureVersionAllowed = slot => slot != AppSlot.Ota(1) };
        var otaData = new OtaSelectPair(E(1, OtaImageState.Valid), E(2, OtaImageState.Valid));
        var decision = OtaBootloader.Boot(otaData, NoFactory, All, options);
        Assert.Equal((0, AppSlot.Ota(0)), (decision.ActiveCopy, decision.BootedSlot!.Value));
        Assert.Equal([AppSlot.Ota(0)], decision.SecureVersionUpdates);
    }

    [Fact]
    public void Anti_rollback_with_blank_otadata_starts_from_ota0_and_writes_it_valid()
    {
        var options = new OtaBootOptions { IsSecureVersionAllowed = _ => true };
        var decision = OtaBootloader.Boot(OtaSelectPair.Erased, NoFactory, All, options);
        Assert.Equal((AppSlot.Factory, AppSlot.Ota(0)), (decision.SelectedSlot, decision.BootedSlot!.Value));
        Assert.Equal([new OtaEntryRewrite(0, E(1, OtaImageState.Valid))], decision.Writes);
        Assert.Equal([AppSlot.Ota(0)], decision.SecureVersionUpdates);
    }
}
