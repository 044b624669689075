using System.Security.Cryptography;

namespace NfBuild.Tests.PartitionTables;

/// <summary>CSV inputs of the partition table tests (the tool outputs they produce are in the tests).</summary>
public static class PartitionTableTestData
{
    /// <summary>
    /// The rows of ESP-IDF's components/partition_table/partitions_two_ota.csv (v5.5.5), offsets left empty
    /// as upstream does: nvs 0x4000, otadata 0x2000, phy_init 0x1000, factory/ota_0/ota_1 1M each.
    /// </summary>
    public const string TwoOtaCsv =
        "# Name,   Type, SubType, Offset,   Size, Flags\n" +
        "# Note: if you have increased the bootloader size, make sure to update the offsets to avoid overlap\n" +
        "nvs,      data, nvs,     ,        0x4000,\n" +
        "otadata,  data, ota,     ,        0x2000,\n" +
        "phy_init, data, phy,     ,        0x1000,\n" +
        "factory,  app,  factory, ,        1M,\n" +
        "ota_0,    app,  ota_0,   ,        1M,\n" +
        "ota_1,    app,  ota_1,   ,        1M,\n";

    /// <summary>Flags, a numeric data subtype 0x84, a custom numeric type, K suffix, automatic offsets, a negative size.</summary>
    public const string FlagsCsv =
        "# Flags, numeric subtypes, automatic offsets and a negative size\n" +
        "nvs,      data, nvs,      0x9000,  0x6000,\n" +
        "otadata,  data, ota,      0xf000,  0x2000,\n" +
        "ota_0,    app,  ota_0,    0x20000, 0x100000,\n" +
        "ota_1,    app,  ota_1,    ,        0x100000,\n" +
        "nvs_keys, data, nvs_keys, ,        4K,        encrypted\n" +
        "ro_nvs,   data, nvs,      ,        0x2000,    readonly\n" +
        "deploy,   data, 0x84,     ,        0x10000,   encrypted:readonly\n" +
        "custom,   0x40, 0x01,     ,        0x1000\n" +
        "cfg,      data, littlefs, ,        -0x400000, encrypted\n";

    /// <summary>A 23-character name (cut to 16 bytes in binary) and upper/mixed-case keywords with a lower-case k suffix.</summary>
    public const string LongNameAndCaseCsv =
        "averyveryverylongname_x, DATA, NVS, 0x9000, 0x4000\n" +
        "Ota0, APP, OTA_0, 0x10000, 64k\n";

    /// <summary>94 rows "p{i}, data, 0x99, , 0x1000": the most a table with its MD5 row can hold.</summary>
    public static string ManyRowsCsv(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"p{i}, data, 0x99, , 0x1000\n"));

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
