using System.Security.Cryptography;
using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// Partition tables whose ota_N numbers have a gap (ota_0, ota_1, ota_3; ota_0, ota_2; ota_1 alone). ESP-IDF
/// counts the slots two ways there: the bootloader's app_count is every ota entry, otatool.py and esp_ota_*
/// count ota_0, ota_1, … up to the first gap. <see cref="OtaSlotLayout.FromPartitionTable"/> carries both.
/// <para>
/// otatool known answers: the real, unmodified ESP-IDF v5.5.5 (tag v5.5.5, commit b774170ff46c393eeb5e495ea37936038d3f4f4f)
/// components/app_update/otatool.py with components/partition_table/{parttool,gen_esp32part}.py, run with
/// Python 3.11.7 as
/// <c>IDF_PATH=… python3 otatool.py --partition-table-file table.csv switch_ota_partition --slot N</c> (or <c>--name</c>),
/// one process per switch, against a fake <c>$IDF_PATH/components/esptool_py/esptool/esptool.py</c> that serves
/// read_flash / erase_region / write_flash (write ANDs, as NOR flash) from a local 4 MB image. The image held the
/// gen_esp32part.py binary of the CSVs below at 0x8000 (in v5.5.5 otatool passes its partition_table_file
/// positionally into ParttoolTarget's primary_bootloader_offset, so the table is in fact read from flash at
/// 0x8000 — the fake esptool log showed <c>read_flash 32768 3072</c>) and the otadata partition at 0xD000. After
/// each run the two 32-byte copies were printed with <c>hex()</c> and the 0x2000-byte partition hashed with
/// <c>hashlib.sha256</c>; a refused switch exited 1 with the exception shown and left the bytes unchanged.
/// </para>
/// </summary>
public class SparseOtaTableTests
{
    private const string Head = "nvs, data, nvs, 0x9000, 0x4000,\notadata, data, ota, 0xd000, 0x2000,\nphy_init, data, phy, 0xf000, 0x1000,\n";

    /// <summary>ota_0, ota_1, ota_3: app_count 3, otatool/esp_ota_* count 2.</summary>
    internal static readonly PartitionTable Table013 = PartitionTable.FromCsv(Head +
        "ota_0, app, ota_0, 0x10000, 1M,\nota_1, app, ota_1, 0x110000, 1M,\nota_3, app, ota_3, 0x210000, 1M,\n");

    /// <summary>ota_0, ota_2: app_count 2, otatool/esp_ota_* count 1.</summary>
    internal static readonly PartitionTable Table02 = PartitionTable.FromCsv(Head +
        "ota_0, app, ota_0, 0x10000, 1M,\nota_2, app, ota_2, 0x110000, 1M,\n");

    /// <summary>ota_1 alone: app_count 1, otatool/esp_ota_* count 0.</summary>
    internal static readonly PartitionTable Table1 = PartitionTable.FromCsv(Head + "ota_1, app, ota_1, 0x10000, 1M,\n");

    private static OtaSlotLayout Layout013 => OtaSlotLayout.FromPartitionTable(Table013);
    private static OtaSlotLayout Layout02 => OtaSlotLayout.FromPartitionTable(Table02);
    private static OtaSlotLayout Layout1 => OtaSlotLayout.FromPartitionTable(Table1);

    private static readonly string Ff20 = string.Concat(Enumerable.Repeat("ff", 20));

    private static string Hex(byte[] image, int offset) => Convert.ToHexStringLower(image.AsSpan(offset, 32));

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] Blank() => Enumerable.Repeat((byte)0xFF, 0x2000).ToArray();

    [Fact]
    public void The_tables_are_the_ones_otatool_was_run_with()
    {
        // sha256 of gen_esp32part.py v5.5.5 `python3 gen_esp32part.py tNNN.csv tNNN.bin` for the same CSVs.
        Assert.Equal("6097577ea5363614ad8f969a61aa04f016c0f23af275c08bfeaa4b16ca2a156c", Sha256(Table013.ToBinary()));
        Assert.Equal("db20edd9888f01f461cd9b8af12f4873778bfc40883ca0cf69ae7ef85d3e089e", Sha256(Table02.ToBinary()));
        Assert.Equal("4c7001f5b620d15ca62c879c92101c8f9c5902839a8a6ae3fc42e402fec0becd", Sha256(Table1.ToBinary()));
    }

    [Fact]
    public void Layout_carries_app_count_present_slots_and_contiguous_count()
    {
        var l = Layout013;
        Assert.Equal((3, 2, true), (l.OtaAppCount, l.ContiguousOtaAppCount, l.IsSparse));
        Assert.Equal([0, 1, 3], l.OtaIndices);
        Assert.False(l.HasOta(2));
        Assert.Equal("ota_0, ota_1, ota_3", l.DescribeOtaSlots());
        Assert.False(l.BootloaderCanLoad(2)); // ota[2] is empty: size 0
        Assert.False(l.BootloaderCanLoad(3)); // index_to_partition: index < app_count (3) only
        Assert.True(l.BootloaderCanLoad(1));

        Assert.Equal((2, 1), (Layout02.OtaAppCount, Layout02.ContiguousOtaAppCount));
        Assert.Equal((1, 0), (Layout1.OtaAppCount, Layout1.ContiguousOtaAppCount));
        Assert.Equal([1], Layout1.OtaIndices);

        var ordinary = OtaSlotLayout.FromPartitionTable(PartitionTable.FromCsv(Head +
            "ota_0, app, ota_0, 0x10000, 1M,\nota_1, app, ota_1, 0x110000, 1M,\n"));
        Assert.Equal(new OtaSlotLayout(2, HasFactory: false), ordinary);
        Assert.False(ordinary.IsSparse);
    }

    [Fact]
    public void Otatool_on_ota_0_1_3_from_blank_counts_two_slots()
    {
        var image = Blank();

        image = OtatoolSwitch.Switch(image, Layout013, 1); // --slot 1
        Assert.Equal("02000000" + Ff20 + "ffffffff" + "7437f655", Hex(image, 0));
        Assert.Equal("71678d8929e5fbe9562f7f7f0aa7c97496f53528af2d50adb5ce7378c5ff903b", Sha256(image));

        // n = 2, not 3: base seq 2, target 1 -> 1 % 2 + 1*2 = 3 (counting all three ota entries gave 4).
        image = OtatoolSwitch.Switch(image, Layout013, 0); // --slot 0
        Assert.Equal("03000000" + Ff20 + "ffffffff" + "11504aed", Hex(image, 0x1000));
        Assert.Equal("c1ea7a2a6df13cab8575c6beba26a627a4131ca61d584da1d27ba16c39f2a2ef", Sha256(image));

        image = OtatoolSwitch.Switch(image, Layout013, 0); // --slot 0
        Assert.Equal("03000000" + Ff20 + "ffffffff" + "11504aed", Hex(image, 0));
        Assert.Equal("f7fc535b5ab543e8c3d45522d15c5e17961a3b7667a62bd489cec443f4910b3c", Sha256(image));

        image = OtatoolSwitch.Switch(image, Layout013, 1); // --slot 1
        Assert.Equal("04000000" + Ff20 + "ffffffff" + "a8689d70", Hex(image, 0x1000));
        Assert.Equal("d87f71d753ecba7b9ba7c30a85b12bd162e195fc2955fb117efbc06690f07ccd", Sha256(image));

        // --slot 2, --slot 3, --name ota_3: "Exception: Partition to switch to not found", exit 1, nothing written.
        var before = image.ToArray();
        foreach (int slot in new[] { 2, 3 })
        {
            var ex = Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, Layout013, slot));
            Assert.StartsWith($"Partition to switch to not found: ota_{slot} (otatool uses only ota_0..ota_1", ex.Message);
            Assert.Contains("the table has ota_0, ota_1, ota_3", ex.Message);
        }
        Assert.Equal(before, image);

        image = OtatoolSwitch.Switch(image, Layout013, 1); // --name ota_1
        Assert.Equal("04000000" + Ff20 + "ffffffff" + "a8689d70", Hex(image, 0));
        Assert.Equal("65863c22d561d3975316bd6377eb73caa201515e11752b5195af8d3929419103", Sha256(image));

        image = OtatoolSwitch.Switch(image, Layout013, 0); // --slot 0
        Assert.Equal("05000000" + Ff20 + "ffffffff" + "cd0f21c8", Hex(image, 0x1000));
        Assert.Equal("d08f3df9d671529f974593a0d9d5233176f66d0896dd7a63d697e71a00b0890f", Sha256(image));
    }

    [Fact]
    public void Otatool_on_ota_0_1_3_from_existing_states()
    {
        // Copy 0: seq 5 VALID, copy 1: seq 4 VALID (labels 0xFF).
        var image = Blank();
        OtaSelectEntry.Create(5, OtaImageState.Valid).ToBytes().CopyTo(image, 0);
        OtaSelectEntry.Create(4, OtaImageState.Valid).ToBytes().CopyTo(image, 0x1000);

        image = OtatoolSwitch.Switch(image, Layout013, 1); // --slot 1
        Assert.Equal("06000000" + Ff20 + "02000000" + "23a094da", Hex(image, 0x1000));
        Assert.Equal("273c71ea9ce364d65d7c10fb8542b56be972768e3154c524539fea50be8e50a0", Sha256(image));
        image = OtatoolSwitch.Switch(image, Layout013, 0); // --slot 0
        Assert.Equal("07000000" + Ff20 + "02000000" + "46c72862", Hex(image, 0));
        Assert.Equal("4dd571d9f7f6bce94052353955d863580e9120b2148621e6ec305b55e18f9c01", Sha256(image));

        // Copy 0: seq 1 VALID, copy 1: seq 7 INVALID; otatool bases on 7 and patches copy 0.
        image = Blank();
        OtaSelectEntry.Create(1, OtaImageState.Valid).ToBytes().CopyTo(image, 0);
        OtaSelectEntry.Create(7, OtaImageState.Invalid).ToBytes().CopyTo(image, 0x1000);
        image = OtatoolSwitch.Switch(image, Layout013, 0); // --slot 0
        Assert.Equal("07000000" + Ff20 + "02000000" + "46c72862", Hex(image, 0));
        Assert.Equal("4a0c09c94c99f727d41abb879e331fc3acd90dfaeb4915818e0672bcd5a21b26", Sha256(image));
    }

    [Fact]
    public void Otatool_on_ota_0_2_knows_one_slot()
    {
        var image = Blank();
        image = OtatoolSwitch.Switch(image, Layout02, 0); // --slot 0
        Assert.Equal("01000000" + Ff20 + "ffffffff" + "9a984347", Hex(image, 0));
        Assert.Equal("4187e23640ddb4d9e00a91376d2df4aec3b0316e51b2f8f784bd43df49ce8ba9", Sha256(image));

        Assert.StartsWith("Partition to switch to not found: ota_1 ",
            Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, Layout02, 1)).Message); // --slot 1

        image = OtatoolSwitch.Switch(image, Layout02, 0); // --slot 0: n = 1, seq stays 1
        Assert.Equal("01000000" + Ff20 + "ffffffff" + "9a984347", Hex(image, 0x1000));
        Assert.Equal("f53a6d60e971aac6d5757021a8b09ff14c92f823541e36bf296c53e0d7f2381a", Sha256(image));

        Assert.StartsWith("Partition to switch to not found: ota_2 (otatool uses only ota_0..ota_0",
            Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, Layout02, 2)).Message); // --slot 2, --name ota_2

        // Copy 0: seq 2 VALID. otatool writes seq 2 into copy 1 for "ota_0" (2 % 1 + 2*1).
        image = Blank();
        OtaSelectEntry.Create(2, OtaImageState.Valid).ToBytes().CopyTo(image, 0);
        image = OtatoolSwitch.Switch(image, Layout02, 0);
        Assert.Equal("02000000" + Ff20 + "ffffffff" + "7437f655", Hex(image, 0x1000));
        Assert.Equal("04c97e2e1c879c0d5ecd1083a6bfc59b051cd96feb502f47b979fe4eeef8e733", Sha256(image));
    }

    [Fact]
    public void Otatool_on_ota_1_alone_finds_no_ota_partition()
    {
        // --slot 1, --slot 0, --name ota_1: "Exception: No ota app partitions found", exit 1, nothing written.
        var image = Blank();
        foreach (int slot in new[] { 1, 0 })
        {
            var ex = Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, Layout1, slot));
            Assert.StartsWith("No ota app partitions found (otatool counts ota_0, ota_1, ... only up to the first missing one; the table has ota_1)", ex.Message);
        }
        Assert.Equal("7d2c7ac4888bfd75cd5f56e8d61f69595121183afc81556c876732fd3782c62f", Sha256(image));
    }

    [Fact]
    public void Refused_switch_on_flash_writes_nothing()
    {
        var flash = new MemoryFlash(0x2000);
        var otaData = new OtaDataPartition(flash);
        otaData.SwitchOtaPartition(Layout013, 1);
        var before = flash.Contents.ToArray();
        Assert.Throws<Esp32FormatException>(() => otaData.SwitchOtaPartition(Layout013, 3));
        Assert.Equal(before, flash.Contents);
    }

    // ---- The bootloader (bootloader_utility.c v5.5.5) on the sparse tables ----

    private static OtaBootDecision BootWithSeq(OtaSlotLayout layout, uint seq, Func<AppSlot, bool>? isLoadable = null, OtaBootOptions? options = null) =>
        OtaBootloader.Boot(new OtaSelectPair(OtaSelectEntry.Create(seq, OtaImageState.Valid), OtaSelectEntry.Erased), layout, isLoadable ?? (_ => true), options);

    [Theory]
    // (seq - 1) % 3; index 2 has no partition (size 0), so the search goes down to ota_1. ota_3 is never booted.
    [InlineData(1u, 0, 0)]
    [InlineData(2u, 1, 1)]
    [InlineData(3u, 2, 1)]
    [InlineData(4u, 0, 0)]
    [InlineData(5u, 1, 1)]
    [InlineData(6u, 2, 1)]
    [InlineData(7u, 0, 0)]
    public void Bootloader_on_ota_0_1_3(uint seq, int selected, int booted)
    {
        var decision = BootWithSeq(Layout013, seq);
        Assert.Equal(AppSlot.Ota(selected), decision.SelectedSlot);
        Assert.Equal(AppSlot.Ota(booted), decision.BootedSlot);
    }

    [Fact]
    public void Bootloader_on_ota_0_1_3_never_tries_ota_3()
    {
        var tried = new List<AppSlot>();
        var decision = BootWithSeq(Layout013, 3, slot => { tried.Add(slot); return false; });
        Assert.Null(decision.BootedSlot);
        // Down from index 2 (empty, skipped) to 1, 0, factory (absent); forward from 3 stops at app_count 3.
        Assert.Equal([AppSlot.Ota(1), AppSlot.Ota(0)], tried);
    }

    [Fact]
    public void Otatool_switches_on_ota_0_1_3_and_what_then_boots()
    {
        // The seqs otatool wrote above (2, 3, 3, 4, 4, 5): its "ota_0" seq 3 lands on the missing index 2,
        // so the bootloader boots ota_1; the app side (esp_ota_get_boot_partition) says ota_0.
        var image = OtatoolSwitch.Switch(OtatoolSwitch.Switch(Blank(), Layout013, 1), Layout013, 0);
        var pair = new OtaDataPartition(new MemoryFlash(image)).Read();
        var decision = OtaBootloader.Boot(pair, Layout013, _ => true);
        Assert.Equal((AppSlot.Ota(2), (AppSlot?)AppSlot.Ota(1)), (decision.SelectedSlot, decision.BootedSlot));
        Assert.Equal(AppSlot.Ota(0), OtaAppOperations.GetBootPartition(pair, Layout013));
    }

    [Theory]
    [InlineData(1u, 0, 0)]
    [InlineData(2u, 1, 0)] // index 1 has no partition: falls back to ota_0; ota_2 never boots
    [InlineData(3u, 0, 0)]
    public void Bootloader_on_ota_0_2(uint seq, int selected, int booted)
    {
        var decision = BootWithSeq(Layout02, seq);
        Assert.Equal((AppSlot.Ota(selected), (AppSlot?)AppSlot.Ota(booted)), (decision.SelectedSlot, decision.BootedSlot));
    }

    [Fact]
    public void Bootloader_on_ota_1_alone_boots_nothing()
    {
        // Blank otadata, no factory: "No factory image, trying OTA 0"; ota[0] is empty, so nothing loads and
        // set_actual_ota_seq writes nothing. A valid seq selects (seq - 1) % 1 = 0: the same.
        var blank = OtaBootloader.Boot(new OtaSelectPair(OtaSelectEntry.Erased, OtaSelectEntry.Erased), Layout1, _ => true);
        Assert.Equal((AppSlot.Ota(0), (AppSlot?)null), (blank.SelectedSlot, blank.BootedSlot));
        Assert.Empty(blank.Writes);
        var decision = BootWithSeq(Layout1, 2);
        Assert.Equal((AppSlot.Ota(0), (AppSlot?)null), (decision.SelectedSlot, decision.BootedSlot));
    }

    [Fact]
    public void Anti_rollback_ignores_a_copy_naming_a_missing_slot()
    {
        // check_anti_rollback(&bs->ota[2]) cannot read a description (offset 0): copy 1 (seq 3) is not
        // selectable, so copy 0 (seq 2 -> ota_1) is active, even though its seq is lower.
        var pair = new OtaSelectPair(OtaSelectEntry.Create(2, OtaImageState.Valid), OtaSelectEntry.Create(3, OtaImageState.Valid));
        var options = new OtaBootOptions { IsSecureVersionAllowed = _ => true };
        var decision = OtaBootloader.Boot(pair, Layout013, _ => true, options);
        Assert.Equal(0, decision.ActiveCopy);
        Assert.Equal(AppSlot.Ota(1), decision.BootedSlot);
        Assert.Equal([AppSlot.Ota(1)], decision.SecureVersionUpdates);
    }

    // ---- The app side (esp_ota_ops.c v5.5.5) ----

    [Fact]
    public void App_side_uses_the_contiguous_count()
    {
        var blank = new OtaSelectPair(OtaSelectEntry.Erased, OtaSelectEntry.Erased);
        // esp_rewrite_ota_data: SUB_TYPE_ID(ota_3) = 3 >= esp_ota_get_app_partition_count() = 2.
        Assert.Equal(OtaError.InvalidArgument, OtaAppOperations.SetBootPartition(blank, Layout013, AppSlot.Ota(3)).Error);
        var first = OtaAppOperations.SetBootPartition(blank, Layout013, AppSlot.Ota(1));
        var afterFirst = first.OtaDataAfter;
        var second = OtaAppOperations.SetBootPartition(afterFirst, Layout013, AppSlot.Ota(0));
        // The same seq otatool computes (3), the same mismatch with the bootloader.
        Assert.Equal(3u, second.OtaDataAfter[1].Sequence);

        // find_default_boot_partition: no factory, the lowest ota_N present (ota_1), not ota_0.
        Assert.Equal(AppSlot.Ota(1), OtaAppOperations.GetBootPartition(blank, Layout1));
    }

    [Fact]
    public void Next_update_partition_skips_gaps()
    {
        // esp_ota_get_next_update_partition iterates ota_0..ota_15 in order, skipping missing ones.
        Assert.Equal(AppSlot.Ota(3), Layout013.NextUpdatePartition(AppSlot.Ota(1)));
        Assert.Equal(AppSlot.Ota(0), Layout013.NextUpdatePartition(AppSlot.Ota(3)));
        Assert.Equal(AppSlot.Ota(1), Layout013.NextUpdatePartition(AppSlot.Ota(0)));
        Assert.Equal(AppSlot.Ota(0), Layout013.NextUpdatePartition(AppSlot.Factory));
        Assert.Equal(AppSlot.Ota(1), Layout1.NextUpdatePartition(null));
        Assert.Equal(AppSlot.Ota(1), new OtaSlotLayout(2, HasFactory: false).NextUpdatePartition(AppSlot.Ota(0)));
        Assert.Equal(AppSlot.Ota(0), new OtaSlotLayout(2, HasFactory: false).NextUpdatePartition(AppSlot.Ota(1)));
        Assert.Null(new OtaSlotLayout(0, HasFactory: true).NextUpdatePartition(AppSlot.Factory));
    }
}
