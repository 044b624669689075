using Esp32.Formats;
using Esp32.Formats.PartitionTable;
using Xunit;

namespace NfBuild.Tests.PartitionTables;

/// <summary>
/// Every rule of gen_esp32part.py (ESP-IDF v5.5.5) and of the bootloader's esp_partition_table_verify
/// rejects its input with a message that names the CSV line or the binary entry and its offset. For the
/// CSV rows the wording after the location is the tool's own (checked by running gen_esp32part.py on the
/// same rows), except where a comment says the tool has no message of its own for the case.
/// </summary>
public class PartitionTableRejectionTests
{
    public static TheoryData<string, string> CsvErrors => new()
    {
        { "nvs, data, nvs, 0x9000, 0x4000\nota_0, app, ota_0, 0x11000, 1M\n",
          "Error at line 2: Partition ota_0 invalid: Offset 0x11000 is not aligned to 0x10000" },
        { "nvs, data, nvs, 0x9000, 0x4000\nx, data, nvs, 0xd800, 0x4000\n",
          "Error at line 2: Partition x invalid: Offset 0xd800 is not aligned to 0x1000" },
        { "nvs, data, nvs, 0x9000, 0x4000\nfactory, app, factory, 0x10000, 0x10800\n",
          "Error at line 2: Partition factory invalid: Size 0x10800 is not aligned to 0x1000" },
        { "nvs, data, nvs, 0x9000, 0x4000\nnvs2, data, nvs, 0xa000, 0x4000\n",
          "CSV Error at line 2: Partitions overlap. Partition sets offset 0xa000. Previous partition ends 0xd000" },
        { "nvs, data, nvs, 0x7000, 0x4000\n",
          "CSV Error at line 1: Partitions overlap. Partition sets offset 0x7000. But partition table occupies the whole sector 0x8000. Use a free offset 0x9000 or higher." },
        { "# comment\n\nf, app, factory, 0x10000, 1M\nn, data, nvs, 0x9000, 0x4000\n",
          "CSV Error at line 4: Partitions overlap. Partition sets offset 0x9000. Previous partition ends 0x110000" },
        { "nvs, data, nvs, 0x9000, 0x4000\nnvs, data, nvs, 0xd000, 0x4000\n",
          "Error at line 2: Partition names must be unique: 'nvs' is also used by line 1" },
        { "otadata, data, ota, 0x9000, 0x3000\n",
          "Error at line 1: otadata partition must have size = 0x2000" },
        { "otadata, data, ota, 0x9000, 0x2000\notadata2, data, ota, 0xb000, 0x2000\n",
          "Error at line 2: Found multiple otadata partitions. Only one partition can be defined with type=\"data\"(1) and subtype=\"ota\"(0)." },
        { "nvs, data, nvs, 0x9000, 0x2000\n",
          "Error at line 1: Partition nvs invalid: 'nvs' partition of type 1 and subtype 2 of this size (0x2000) must be flagged as 'readonly' (the size of read/write NVS has to be at least 0x3000)" },
        { "od, data, ota, 0x9000, 0x2000, readonly\n",
          "Error at line 1: Partition od invalid: 'od' partition of type 1 and subtype 0 is always read-write and cannot be read-only" },
        { "cd, data, coredump, 0x9000, 0x2000, readonly\n",
          "Error at line 1: Partition cd invalid: 'cd' partition of type 1 and subtype 3 is always read-write and cannot be read-only" },
        { "nvs, data, nvs, 0x9000, 0x4000, bogus\n", "Error at line 1: CSV flag column contains unknown flag 'bogus'" },
        { "nvs, data, nvs, 0x9000, 0x4000, Encrypted\n", "Error at line 1: CSV flag column contains unknown flag 'Encrypted'" },
        { "nvs, data, nvs, 0x9000\n", "Error at line 1: Size field can't be empty" },
        { "nvs, data, nvsx, 0x9000, 0x4000\n",
          "Error at line 1: Value 'nvsx' is not valid. Known keywords: ota, phy, nvs, coredump, nvs_keys, efuse, undefined, esphttpd, fat, spiffs, littlefs, tee_ota" },
        { "nvs, dat, nvs, 0x9000, 0x4000\n", "Error at line 1: Value 'dat' is not valid. Known keywords: bootloader, partition_table, app, data" },
        { "n, , nvs, 0x9000, 0x4000\n", "Error at line 1: Field 'type' can't be left empty." },
        { "f, app, , 0x10000, 1M\n", "Error at line 1: App partition cannot have an empty subtype" },
        { "f, app, factory, 0x10000, 1.5M\n", "Error at line 1: Invalid field value 1.5" },
        { "n, data, nvs, 010, 0x4000\n", "Error at line 1: Invalid field value 010" },
        { "n, data, nvs, 0x9000, 0x4000\nc, 0x40, fat, , 0x1000\n", "Error at line 2: Invalid field value fat" },
        // gen_esp32part crashes with "struct.error: ubyte format requires 0 <= number <= 255" here.
        { "n, data, 0x100, 0x9000, 0x4000\n", "Error at line 1: Subtype 0x100 does not fit in a byte" },
        // gen_esp32part goes on with size "0x-1000" and fails later (NVS size rule or struct.error).
        { "n, data, nvs, 0x9000, -0x8000\n", "Error at line 1: size resolves to -0x1000: a negative size is an end address and must lie after the offset 0x9000" },
        // gen_esp32part prints "unknown variable 'PART_NAME'" without the line number.
        { "$PART_NAME, data, nvs, 0x9000, 0x4000\n", "Error at line 1: unknown variable 'PART_NAME'" },
        { "bl, bootloader, primary, , \n", "Error at line 1: Primary bootloader offset is not defined. Please use --primary-bootloader-offset" },
    };

    [Theory]
    [MemberData(nameof(CsvErrors))]
    public void Csv_errors_name_the_line(string csv, string expected)
    {
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromCsv(csv));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Table_larger_than_flash_is_rejected_naming_the_last_partition()
    {
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromCsv(
            "f, app, factory, 0x10000, 3M\ng, app, ota_0, , 2M\n", new PartitionTableOptions { FlashSize = 4 * 1024 * 1024 }));
        Assert.Equal(
            "Error at line 2: Partitions tables occupies 5.1MB of flash (5308416 bytes) which does not fit in configured flash size 4MB. " +
            "Change the flash size in menuconfig under the 'Serial Flasher Config' menu.",
            error.Message);

        // Like the tool, --flash-size is checked even with --no-verify.
        var options = new PartitionTableOptions { FlashSize = 4 * 1024 * 1024, Verify = false };
        Assert.StartsWith("Error at line 2: Partitions tables occupies 5.1MB",
            Assert.Throws<Esp32FormatException>(() => PartitionTable.FromCsv("f, app, factory, 0x10000, 3M\ng, app, ota_0, , 2M\n", options)).Message);
    }

    [Fact]
    public void Secure_boot_v1_needs_64K_app_sizes()
    {
        const string csv = "f, app, factory, 0x10000, 0x11000\n";
        Assert.Equal(0x11000u, PartitionTable.FromCsv(csv).Entries.Single().Size);
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromCsv(csv, new PartitionTableOptions { SecureBoot = SecureBootMode.V1 }));
        Assert.Equal("Error at line 1: Partition f invalid: Size 0x11000 is not aligned to 0x10000", error.Message);
    }

    [Fact]
    public void Verification_can_be_skipped_like_no_verify()
    {
        var table = PartitionTable.FromCsv("nvs, data, nvs, 0x9000, 0x2000\n", new PartitionTableOptions { Verify = false });
        Assert.Equal(0x2000u, table.Entries[0].Size);
        var error = Assert.Throws<Esp32FormatException>(() => table.Verify());
        Assert.StartsWith("Error in entry 0 ('nvs'): Partition nvs invalid:", error.Message);
        // An explicit Verify() call verifies even when the options say --no-verify.
        error = Assert.Throws<Esp32FormatException>(() => table.Verify(new PartitionTableOptions { Verify = false }));
        Assert.StartsWith("Error in entry 0 ('nvs'): Partition nvs invalid:", error.Message);
    }

    [Fact]
    public void Verify_checks_the_flash_size_when_given()
    {
        var table = PartitionTable.FromCsv("f, app, factory, 0x10000, 3M\ng, app, ota_0, , 2M\n");
        table.Verify();
        var error = Assert.Throws<Esp32FormatException>(() => table.Verify(new PartitionTableOptions { FlashSize = 4 * 1024 * 1024 }));
        Assert.StartsWith("Error in entry 1 ('g'): Partitions tables occupies 5.1MB", error.Message);
    }

    private static byte[] TwoOtaBinary() => PartitionTable.FromCsv(PartitionTableTestData.TwoOtaCsv).ToBinary();

    [Fact]
    public void Binary_with_wrong_magic_names_entry_and_offset()
    {
        byte[] binary = TwoOtaBinary();
        binary[0x40] = 0xAB;
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(binary));
        Assert.Equal("entry 2 at table offset 0x40: invalid magic 0x50AB (expected AA 50 for an entry, EB EB for the MD5 row or FF FF for the end)", error.Message);
    }

    [Fact]
    public void Binary_with_bad_md5_names_the_md5_row()
    {
        byte[] binary = TwoOtaBinary();
        binary[0x10] ^= 1; // change a label byte of entry 0: the MD5 no longer matches
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(binary));
        Assert.StartsWith("entry 6 at table offset 0xC0: MD5 checksums don't match (computed ", error.Message);
        Assert.EndsWith(", stored bf25822c0fa6d8641bd930251e06b4c4)", error.Message);
    }

    [Fact]
    public void Binary_with_second_md5_row_is_rejected()
    {
        byte[] binary = TwoOtaBinary();
        // Append a second, correct-looking MD5 row where the end marker was.
        binary.AsSpan(0xC0, 32).CopyTo(binary.AsSpan(0xE0));
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(binary));
        Assert.Equal("entry 7 at table offset 0xE0: second MD5 row; only one MD5 checksum is allowed", error.Message);
    }

    [Fact]
    public void Truncated_binary_names_the_entry()
    {
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(TwoOtaBinary().AsSpan(0, 0x50)));
        Assert.StartsWith("entry 2 at table offset 0x40: partition table is truncated: 80 bytes end inside or before this entry", error.Message);
    }

    [Fact]
    public void Erased_sector_is_an_empty_table()
    {
        byte[] erased = Enumerable.Repeat((byte)0xFF, 0xC00).ToArray();
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(erased));
        Assert.StartsWith("entry 0 at table offset 0x0: partition table is empty", error.Message);
    }

    [Fact]
    public void Binary_without_end_marker_is_rejected()
    {
        byte[] full = new byte[0xC00];
        for (int i = 0; i < 96; i++)
            new PartitionEntry($"p{i}", PartitionTypes.Data, 0x99, 0x9000u + (uint)i * 0x1000, 0x1000).WriteTo(full.AsSpan(i * 32));
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(full));
        Assert.Equal("partition table has no end-of-table marker within 0xC00 bytes (96 entries)", error.Message);
    }

    [Fact]
    public void Binary_label_that_is_not_utf8_is_rejected()
    {
        byte[] binary = new PartitionTable([new PartitionEntry("nvs", PartitionTypes.Data, PartitionSubtypes.Nvs, 0x9000, 0x4000)]).ToBinary(includeMd5: false);
        binary[12] = 0xC3; // a lead byte followed by 'v'
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(binary));
        Assert.Equal("entry 0 at table offset 0x0: label bytes C37673 are not valid UTF-8", error.Message);
    }

    [Fact]
    public void Binary_layout_errors_name_entry_offset_and_label()
    {
        var overlapping = new PartitionTable(
        [
            new PartitionEntry("a", PartitionTypes.Data, PartitionSubtypes.Nvs, 0x9000, 0x4000),
            new PartitionEntry("b", PartitionTypes.Data, PartitionSubtypes.Phy, 0xC000, 0x1000),
        ]);
        var error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(overlapping.ToBinary()));
        Assert.Equal("Error in entry 1 at table offset 0x20 ('b'): Partition at 0xc000 overlaps 0x9000-0xcfff (entry 0 at table offset 0x0 ('a'))", error.Message);

        var belowTable = new PartitionTable([new PartitionEntry("low", PartitionTypes.Data, PartitionSubtypes.Phy, 0x7000, 0x1000)]);
        error = Assert.Throws<Esp32FormatException>(() => PartitionTable.FromBinary(belowTable.ToBinary()));
        Assert.Equal("Error in entry 0 at table offset 0x0 ('low'): Partition offset 0x7000 is below 0x9000", error.Message);

        // The device only checks structure; skipping verification reads the same bytes.
        Assert.Equal(overlapping, PartitionTable.FromBinary(overlapping.ToBinary(), new PartitionTableOptions { Verify = false }));
    }
}
