using Esp32.Formats.Flash;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.PartitionTables;

/// <summary>CSV → binary → CSV → binary round trips, the flash sector, and the lookup helpers.</summary>
public class PartitionTableRoundTripTests
{
    [Theory]
    [InlineData(PartitionTableTestData.TwoOtaCsv)]
    [InlineData(PartitionTableTestData.FlagsCsv)]
    [InlineData(PartitionTableTestData.LongNameAndCaseCsv)]
    public void Csv_binary_csv_binary_is_stable(string csv)
    {
        byte[] first = PartitionTable.FromCsv(csv).ToBinary();
        string printed = PartitionTable.FromBinary(first).ToCsv();
        byte[] second = PartitionTable.FromCsv(printed).ToBinary();
        Assert.Equal(first, second);
        Assert.Equal(printed, PartitionTable.FromBinary(second).ToCsv());
    }

    [Fact]
    public void Unknown_flag_bits_survive_a_binary_round_trip_but_are_not_printed()
    {
        var table = new PartitionTable([new PartitionEntry("nvs", PartitionTypes.Data, PartitionSubtypes.Nvs, 0x9000, 0x6000, (PartitionFlags)0x81)]);
        var parsed = PartitionTable.FromBinary(table.ToBinary());
        Assert.Equal((PartitionFlags)0x81, parsed.Entries[0].Flags);
        Assert.EndsWith("nvs,data,nvs,0x9000,24K,encrypted\n", parsed.ToCsv());
    }

    [Fact]
    public void Table_is_written_into_and_read_from_a_flash_image()
    {
        var flash = new MemoryFlash(0x400000);
        flash.Write(0x8000, new byte[0x1000]); // old contents: the sector is erased first
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);

        table.WriteTo(flash);

        var expected = table.ToBinary();
        Assert.Equal(expected, flash.Contents.AsSpan(0x8000, 0xC00).ToArray());
        Assert.All(flash.Contents.AsSpan(0x8C00, 0x400).ToArray(), b => Assert.Equal(0xFF, b));
        Assert.Equal(table, PartitionTable.ReadFrom(flash));
    }

    [Fact]
    public void Lookup_helpers()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);
        Assert.Equal(0xD000u, table.Find("otadata")!.Offset);
        Assert.Null(table.Find("missing"));
        Assert.Equal("phy_init", table.FindBySubtype(PartitionTypes.Data, PartitionSubtypes.Phy)!.Name);
        Assert.Equal("otadata", table.OtaData!.Name);
        Assert.Equal("factory", table.Factory!.Name);
        Assert.Null(table.Test);
        Assert.Equal(["ota_0", "ota_1"], table.OtaAppSlots.Select(e => e.Name));
        Assert.Equal([0, 1], table.OtaAppSlots.Select(e => e.OtaSlot!.Value));
        Assert.Equal(2, table.ContiguousOtaAppCount);
        Assert.Equal("ota", table.OtaData.SubtypeName);
        Assert.True(table.Find("ota_1")!.IsApp);
    }

    [Fact]
    public void Ota_slots_are_ordered_by_slot_and_gaps_stop_the_contiguous_count()
    {
        var table = PartitionTable.FromCsv("b, app, ota_2, 0x10000, 1M\na, app, ota_0, , 1M\n");
        Assert.Equal(["a", "b"], table.OtaAppSlots.Select(e => e.Name));
        Assert.Equal(1, table.ContiguousOtaAppCount);
    }
}
