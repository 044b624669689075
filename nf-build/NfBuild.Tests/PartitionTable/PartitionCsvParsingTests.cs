using Esp32.Formats;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.PartitionTables;

/// <summary>The CSV dialect of gen_esp32part.py (ESP-IDF v5.5.5 <c>from_csv</c> / <c>parse_int</c>).</summary>
public class PartitionCsvParsingTests
{
    private static PartitionEntry Single(string row, PartitionTableOptions? options = null) =>
        PartitionTable.FromCsv(row, options).Entries.Single();

    [Theory]
    [InlineData("0x4000", 0x4000u)]
    [InlineData("0X4000", 0x4000u)]
    [InlineData("16384", 0x4000u)]
    [InlineData("16K", 0x4000u)]
    [InlineData("16k", 0x4000u)]
    [InlineData("0x4K", 0x1000u)]
    [InlineData("1M", 0x100000u)]
    [InlineData("1m", 0x100000u)]
    [InlineData("0x1_0000", 0x10000u)]
    [InlineData("0x_4000", 0x4000u)]
    [InlineData("0o40000", 0x4000u)]
    [InlineData("0b100000000000000", 0x4000u)]
    [InlineData("+16384", 0x4000u)]
    [InlineData("1Kk", 0x100000u)]
    public void Sizes_use_python_int_with_K_and_M_suffixes(string size, uint expected)
    {
        Assert.Equal(expected, Single($"f, data, fat, 0x9000, {size}").Size);
    }

    [Theory]
    [InlineData("010")]
    [InlineData("0x")]
    [InlineData("1__0")]
    [InlineData("_10")]
    [InlineData("10_")]
    [InlineData("0x1g")]
    [InlineData("1 0")]
    public void Numbers_python_rejects_are_rejected(string size)
    {
        var error = Assert.Throws<Esp32FormatException>(() => Single($"nvs, data, nvs, 0x9000, {size}"));
        Assert.StartsWith("Error at line 1: Invalid field value", error.Message);
    }

    [Fact]
    public void Comments_blank_lines_spaces_crlf_and_bom_are_ignored()
    {
        var table = PartitionTable.FromCsv("\uFEFF# header comment\r\n\r\n   \r\n  # indented comment\r\nnvs , data , nvs , 0x9000 , 0x6000 ,  \r\n");
        Assert.Equal(new PartitionEntry("nvs", PartitionTypes.Data, PartitionSubtypes.Nvs, 0x9000, 0x6000), table.Entries.Single());
    }

    [Fact]
    public void Missing_trailing_columns_and_extra_columns_are_accepted()
    {
        Assert.Equal(PartitionFlags.None, Single("nvs, data, nvs, 0x9000, 0x6000").Flags);
        Assert.Equal(PartitionFlags.Encrypted, Single("nvs, data, nvs, 0x9000, 0x6000, encrypted, ignored, columns").Flags);
    }

    [Fact]
    public void Empty_data_subtype_is_undefined_and_empty_name_is_allowed()
    {
        var entry = Single(", data, , 0x9000, 0x1000");
        Assert.Equal("", entry.Name);
        Assert.Equal(PartitionSubtypes.Undefined, entry.Subtype);
    }

    [Fact]
    public void Automatic_offsets_align_apps_to_64K_and_data_to_4K()
    {
        var table = PartitionTable.FromCsv("a, data, nvs, , 0x3800\nb, data, phy, , 0x1000\nc, app, factory, , 0x11000\nd, data, spiffs, , 0x800\n");
        Assert.Equal([0x9000u, 0xD000u, 0x10000u, 0x21000u], table.Entries.Select(e => e.Offset));
    }

    [Fact]
    public void Negative_size_is_the_end_address()
    {
        var table = PartitionTable.FromCsv("a, data, nvs, 0x9000, 0x6000\nrest, data, fat, , -4M\n");
        Assert.Equal(0xF000u, table.Entries[1].Offset);
        Assert.Equal(0x400000u - 0xF000u, table.Entries[1].Size);
    }

    [Theory]
    [InlineData("app", "factory", 0x00, 0x00)]
    [InlineData("app", "test", 0x00, 0x20)]
    [InlineData("app", "ota_15", 0x00, 0x1F)]
    [InlineData("app", "tee_1", 0x00, 0x31)]
    [InlineData("data", "ota", 0x01, 0x00)]
    [InlineData("data", "phy", 0x01, 0x01)]
    [InlineData("data", "coredump", 0x01, 0x03)]
    [InlineData("data", "nvs_keys", 0x01, 0x04)]
    [InlineData("data", "efuse", 0x01, 0x05)]
    [InlineData("data", "undefined", 0x01, 0x06)]
    [InlineData("data", "esphttpd", 0x01, 0x80)]
    [InlineData("data", "fat", 0x01, 0x81)]
    [InlineData("data", "spiffs", 0x01, 0x82)]
    [InlineData("data", "littlefs", 0x01, 0x83)]
    [InlineData("data", "tee_ota", 0x01, 0x90)]
    [InlineData("data", "0x84", 0x01, 0x84)]
    [InlineData("0x40", "7", 0x40, 0x07)]
    [InlineData("1", "2", 0x01, 0x02)]
    public void Type_and_subtype_names_and_numbers(string type, string subtype, byte expectedType, byte expectedSubtype)
    {
        string size = expectedType == PartitionTypes.App ? "0x10000" : "0x2000";
        var entry = Single($"p, {type}, {subtype}, 0x10000, {size}", new PartitionTableOptions { Verify = false });
        Assert.Equal((expectedType, expectedSubtype), (entry.Type, entry.Subtype));
    }

    [Fact]
    public void Partition_table_and_bootloader_rows_take_offsets_from_the_options()
    {
        var options = new PartitionTableOptions { PrimaryBootloaderOffset = 0x1000 };
        var table = PartitionTable.FromCsv("bootloader, bootloader, primary, , \npt, partition_table, primary, , \nnvs, data, nvs, , 0x6000\n", options);
        Assert.Equal([(0x1000u, 0x7000u), (0x8000u, 0x1000u), (0x9000u, 0x6000u)], table.Entries.Select(e => (e.Offset, e.Size)));
    }

    [Fact]
    public void Variables_are_expanded()
    {
        var options = new PartitionTableOptions { Variables = new Dictionary<string, string> { ["NVS_SIZE"] = "0x6000", ["NAME"] = "store" } };
        var entry = Single("${NAME}, data, nvs, 0x9000, $NVS_SIZE", options);
        Assert.Equal(("store", 0x6000u), (entry.Name, entry.Size));
    }

    [Fact]
    public void Load_detects_binary_or_text_like_from_file()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);
        Assert.Equal(table, PartitionTable.Load(table.ToBinary()));
        Assert.Equal(table, PartitionTable.Load([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(PartitionTableTestData.TwoOtaCsv)]));
    }
}
