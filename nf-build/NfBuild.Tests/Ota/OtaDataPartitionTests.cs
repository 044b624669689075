using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// The decisions applied to an otadata partition on NOR flash: a full update/rollback cycle with the
/// product's layout (two OTA slots, no factory app, rollback enabled).
/// </summary>
public class OtaDataPartitionTests
{
    private static readonly OtaSlotLayout Layout = new(OtaAppCount: 2, HasFactory: false);

    private static string Copy(MemoryFlash flash, int copy) => Convert.ToHexStringLower(flash.Contents.AsSpan(copy * 0x1000, 32));

    private static readonly string Ff20 = string.Concat(Enumerable.Repeat("ff", 20));

    [Fact]
    public void Update_rollback_and_confirm_cycle()
    {
        var flash = new MemoryFlash(0x2000);
        var otaData = new OtaDataPartition(flash);
        bool All(AppSlot _) => true;

        // First boot on erased otadata: ota_0, copy 0 = seq 1 VALID.
        Assert.Equal(AppSlot.Ota(0), otaData.Boot(Layout, All).BootedSlot);
        Assert.Equal("01000000" + Ff20 + "02000000" + "9a984347", Copy(flash, 0));

        // The app installs an update into ota_1: copy 1 = seq 2 NEW.
        Assert.Equal(OtaError.Ok, otaData.SetBootPartition(Layout, AppSlot.Ota(1)).Error);
        Assert.Equal("02000000" + Ff20 + "00000000" + "7437f655", Copy(flash, 1));

        // Reboot: the bootloader marks it PENDING_VERIFY and boots it.
        Assert.Equal(AppSlot.Ota(1), otaData.Boot(Layout, All).BootedSlot);
        Assert.Equal((OtaError.Ok, OtaImageState.PendingVerify), otaData.GetStatePartition(Layout, AppSlot.Ota(1)));

        // It resets before confirming: the next boot aborts it and returns to ota_0.
        Assert.Equal(AppSlot.Ota(0), otaData.Boot(Layout, All).BootedSlot);
        Assert.Equal("02000000" + Ff20 + "04000000" + "7437f655", Copy(flash, 1));
        Assert.Equal(AppSlot.Ota(1), OtaAppOperations.GetLastInvalidPartition(otaData.Read(), Layout, All));

        // Second attempt, this time confirmed.
        otaData.SetBootPartition(Layout, AppSlot.Ota(1));
        Assert.Equal(AppSlot.Ota(1), otaData.Boot(Layout, All).BootedSlot);
        Assert.Equal(OtaError.Ok, otaData.MarkAppValidCancelRollback(Layout).Error);
        Assert.Equal("02000000" + Ff20 + "02000000" + "7437f655", Copy(flash, 1));
        var steady = otaData.Boot(Layout, All);
        Assert.Equal(AppSlot.Ota(1), steady.BootedSlot);
        Assert.Empty(steady.Writes);

        // The app rejects itself: rollback to ota_0 is possible (copy 0 still names it).
        Assert.True(otaData.CheckRollbackIsPossible(Layout, All));
        Assert.Equal(OtaError.Ok, otaData.MarkAppInvalidRollback(Layout, All).Error);
        Assert.Equal(AppSlot.Ota(0), otaData.Boot(Layout, All).BootedSlot);
    }

    [Fact]
    public void A_rewrite_erases_the_whole_sector_of_the_copy()
    {
        var flash = new MemoryFlash(0x2000);
        flash.Write(0x1000, Enumerable.Repeat((byte)0x00, 0x1000).ToArray()); // junk in copy 1's sector
        var otaData = new OtaDataPartition(flash);
        otaData.Apply([new OtaEntryRewrite(1, OtaSelectEntry.Create(2, OtaImageState.New))]);
        Assert.Equal("02000000" + Ff20 + "00000000" + "7437f655", Copy(flash, 1));
        Assert.All(flash.Contents.AsSpan(0x1020, 0xFE0).ToArray(), b => Assert.Equal(0xFF, b));
        Assert.All(flash.Contents.AsSpan(0, 0x1000).ToArray(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Setting_the_factory_app_erases_otadata()
    {
        var flash = new MemoryFlash(0x2000);
        var otaData = new OtaDataPartition(flash);
        var layout = new OtaSlotLayout(2, HasFactory: true);
        otaData.SetBootPartition(layout, AppSlot.Ota(1));
        otaData.SetBootPartition(layout, AppSlot.Factory);
        Assert.All(flash.Contents, b => Assert.Equal(0xFF, b));
        Assert.Equal(AppSlot.Factory, otaData.Boot(layout, _ => true).BootedSlot);
    }

    [Fact]
    public void Layout_comes_from_the_partition_table()
    {
        var table = PartitionTable.FromCsv(NfBuild.Tests.PartitionTables.PartitionTableTestData.TwoOtaCsv);
        var layout = OtaSlotLayout.FromPartitionTable(table);
        Assert.Equal(new OtaSlotLayout(2, HasFactory: true, HasTest: false), layout);
    }

    [Fact]
    public void Partition_smaller_than_two_sectors_is_rejected()
    {
        var error = Assert.Throws<Esp32FormatException>(() => new OtaDataPartition(new MemoryFlash(0x1000)));
        Assert.Equal("otadata partition is 0x1000 bytes; it must be at least 0x2000 (two 4 KB copies)", error.Message);
    }
}
