using Esp32.Formats;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.PartitionTables;

/// <summary>
/// Known answers from the official tool: ESP-IDF v5.5.5 components/partition_table/gen_esp32part.py
/// (tool version 1.5, from espressif/esp-idf tag v5.5.5), run locally with Python 3.11.7 on the CSVs of
/// <see cref="PartitionTableTestData"/>:
///   python3 gen_esp32part.py partitions_two_ota.csv two_ota.bin            (sha256 d1c0e9d0…)
///   python3 gen_esp32part.py --disable-md5sum partitions_two_ota.csv x.bin  (sha256 1da6115f…)
///   python3 gen_esp32part.py --offset 0x9000 partitions_two_ota.csv x.bin   (sha256 15bdb57f…)
///   python3 gen_esp32part.py --flash-size 4MB flags.csv flags.bin           (sha256 c3107da5…)
///   python3 gen_esp32part.py case.csv case.bin                              (sha256 bec9f1cb…)
///   python3 gen_esp32part.py many94.csv many94.bin                          (sha256 7eee8e1c…; 95 rows fail)
///   python3 gen_esp32part.py --disable-md5sum many95.csv x.bin              (sha256 adc54458…)
///   python3 gen_esp32part.py two_ota.bin / flags.bin / case.bin            (the binary → CSV texts below)
/// Hex excerpts were read from the outputs with xxd.
/// </summary>
public class PartitionTableKnownAnswerTests
{
    [Fact]
    public void TwoOta_binary_matches_gen_esp32part()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);
        byte[] binary = table.ToBinary();

        Assert.Equal(0xC00, binary.Length);
        Assert.Equal("d1c0e9d02fa9d26cd2e1984e7b5dd20157204f501ddc83ce82229e5f3175ee8b", PartitionTableTestData.Sha256(binary));
        // otadata: AA 50, data, ota, 0xd000, 0x2000, "otadata", flags 0.
        Assert.Equal("aa50010000d00000002000006f74616461746100000000000000000000000000", Convert.ToHexStringLower(binary.AsSpan(0x20, 32)));
        // MD5 row after the six entries: EB EB, 14 × FF, md5(first 0xC0 bytes).
        Assert.Equal("ebebffffffffffffffffffffffffffffbf25822c0fa6d8641bd930251e06b4c4", Convert.ToHexStringLower(binary.AsSpan(0xC0, 32)));
        Assert.All(binary[0xE0..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void TwoOta_offsets_are_placed_like_gen_esp32part()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);
        Assert.Equal(
            [("nvs", 0x9000u, 0x4000u), ("otadata", 0xD000u, 0x2000u), ("phy_init", 0xF000u, 0x1000u),
             ("factory", 0x10000u, 0x100000u), ("ota_0", 0x110000u, 0x100000u), ("ota_1", 0x210000u, 0x100000u)],
            table.Entries.Select(e => (e.Name, e.Offset, e.Size)));
    }

    [Fact]
    public void TwoOta_binary_to_csv_matches_gen_esp32part()
    {
        var table = PartitionTable.FromBinary(PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv).ToBinary());
        Assert.Equal(
            "# ESP-IDF Partition Table\n" +
            "# Name, Type, SubType, Offset, Size, Flags\n" +
            "nvs,data,nvs,0x9000,16K,\n" +
            "otadata,data,ota,0xd000,8K,\n" +
            "phy_init,data,phy,0xf000,4K,\n" +
            "factory,app,factory,0x10000,1M,\n" +
            "ota_0,app,ota_0,0x110000,1M,\n" +
            "ota_1,app,ota_1,0x210000,1M,\n",
            table.ToCsv());
    }

    [Fact]
    public void TwoOta_without_md5_and_with_other_table_offset()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv);
        Assert.Equal("1da6115f8cb1194eca355efc369bc41453a044aedc8937666c307d7ee9db3f92", PartitionTableTestData.Sha256(table.ToBinary(includeMd5: false)));

        var moved = PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv, new PartitionTableOptions { TableOffset = 0x9000 });
        Assert.Equal(0xA000u, moved.Entries[0].Offset);
        Assert.Equal(0x20000u, moved.Factory!.Offset);
        Assert.Equal("15bdb57fd2791a3b1c3d2ac21c939e0f50b3ce7ab934b4b551d00ac1a2bac52b", PartitionTableTestData.Sha256(moved.ToBinary()));
    }

    [Fact]
    public void Flags_numeric_subtype_and_negative_size_match_gen_esp32part()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.FlagsCsv, new PartitionTableOptions { FlashSize = 4 * 1024 * 1024 });
        byte[] binary = table.ToBinary();

        Assert.Equal("c3107da566075e550677b3a8955f70ca9e06225207494ca8070823afcfb8d3c1", PartitionTableTestData.Sha256(binary));
        // nvs_keys: flags word 1 (encrypted).
        Assert.Equal("aa50010400002200001000006e76735f6b657973000000000000000001000000", Convert.ToHexStringLower(binary.AsSpan(0x80, 32)));
        // deploy: data subtype 0x84, flags 3 (encrypted | readonly).
        Assert.Equal("aa50018400302200000001006465706c6f790000000000000000000003000000", Convert.ToHexStringLower(binary.AsSpan(0xC0, 32)));
        // cfg: size -0x400000 means "up to 4 MB": 0x400000 - 0x234000 = 0x1cc000.
        Assert.Equal("aa5001830040230000c01c006366670000000000000000000000000001000000", Convert.ToHexStringLower(binary.AsSpan(0x100, 32)));
        Assert.Equal("ebebffffffffffffffffffffffffffff8ef2765835d41c1190012b2f1d541b41", Convert.ToHexStringLower(binary.AsSpan(0x120, 32)));
    }

    [Fact]
    public void Flags_binary_to_csv_matches_gen_esp32part()
    {
        var table = PartitionTable.FromBinary(PartitionTable.FromCsv(PartitionTableTestData.FlagsCsv).ToBinary());
        Assert.Equal(
            "# ESP-IDF Partition Table\n" +
            "# Name, Type, SubType, Offset, Size, Flags\n" +
            "nvs,data,nvs,0x9000,24K,\n" +
            "otadata,data,ota,0xf000,8K,\n" +
            "ota_0,app,ota_0,0x20000,1M,\n" +
            "ota_1,app,ota_1,0x120000,1M,\n" +
            "nvs_keys,data,nvs_keys,0x220000,4K,encrypted\n" +
            "ro_nvs,data,nvs,0x221000,8K,readonly\n" +
            "deploy,data,132,0x223000,64K,encrypted:readonly\n" +
            "custom,64,1,0x233000,4K,\n" +
            "cfg,data,littlefs,0x234000,1840K,encrypted\n",
            table.ToCsv());
    }

    [Fact]
    public void Long_name_is_cut_to_16_bytes_and_keywords_ignore_case()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.LongNameAndCaseCsv);
        byte[] binary = table.ToBinary();

        Assert.Equal("bec9f1cbf35ed278e1979b59a43684ddfe7beebe75257cedf7df62cc034b2820", PartitionTableTestData.Sha256(binary));
        // The label field holds "averyveryverylon" with no NUL; the flags word follows directly.
        Assert.Equal("aa5001020090000000400000617665727976657279766572796c6f6e00000000", Convert.ToHexStringLower(binary.AsSpan(0, 32)));
        Assert.Equal(
            "# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n" +
            "averyveryverylon,data,nvs,0x9000,16K,\n" +
            "Ota0,app,ota_0,0x10000,64K,\n",
            PartitionTable.FromBinary(binary).ToCsv());
    }

    [Fact]
    public void Ninety_four_entries_fit_and_ninety_five_do_not()
    {
        var table = PartitionTable.FromCsv(PartitionTableTestData.ManyRowsCsv(94));
        Assert.Equal("7eee8e1c3e30b79393f7a4f0995f93eb978218276f8fac53d61ebc8745a55a16", PartitionTableTestData.Sha256(table.ToBinary()));

        var tooMany = PartitionTable.FromCsv(PartitionTableTestData.ManyRowsCsv(95));
        var error = Assert.Throws<Esp32FormatException>(() => tooMany.ToBinary());
        Assert.Contains("Binary partition table length (3072) longer than max", error.Message);
        // Without the MD5 row (--disable-md5sum) 95 entries fit.
        Assert.Equal("adc5445836ebf17401a640b10e5fb1919911e08e97302fa9d88c34ca5ffa5fad", PartitionTableTestData.Sha256(tooMany.ToBinary(includeMd5: false)));
    }
}
