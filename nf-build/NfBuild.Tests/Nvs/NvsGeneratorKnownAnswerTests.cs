using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>
/// (a) Known answers. Every expected SHA-256 below was produced by the official generator,
/// esp-idf-nvs-partition-gen 0.2.0 (commit 67113ed of espressif/esp-idf-nvs-partition-gen, the version
/// ESP-IDF v5.5 installs), run locally with Python 3.11.7 and cryptography 48.0.0 on the CSVs and input
/// files of <see cref="NvsTestData"/>:
///   python3 -m esp_idf_nvs_partition_gen generate kat1.csv kat1.bin 0x6000
///   python3 -m esp_idf_nvs_partition_gen encrypt  kat1.csv kat1_enc.bin 0x6000 --inputkey key64.bin
///   python3 -m esp_idf_nvs_partition_gen generate kat3.csv kat3.bin 0x8000
///   python3 -m esp_idf_nvs_partition_gen generate kat4.csv kat4.bin 0x3000 --version 1
///   python3 -m esp_idf_nvs_partition_gen generate kat5.csv kat5.bin 0x3000
/// (key64.bin = NvsTestData.Key64). The hex excerpts were read from those outputs with xxd.
/// </summary>
public class NvsGeneratorKnownAnswerTests
{
    [Fact]
    public void Kat1_plain_matches_official_generator()
    {
        var image = NvsTestData.GenerateKat1();
        Assert.Equal(0x6000, image.Length);
        Assert.Equal("83e376ff87b815ce46debb62ea8dd55c0bfbffdb799724ef714e487131c982d1", NvsTestData.Sha256(image));
        // Page 0 header: FULL, seq 0, version 0xFE, reserved 0xFF, CRC 0xB9BA2D84.
        Assert.Equal("fcffffff00000000feffffffffffffffffffffffffffffffffffffff842dbab9", Convert.ToHexStringLower(image.AsSpan(0, 32)));
        // Namespace entry "storage" = 1.
        Assert.Equal("000101ff09a9500773746f7261676500000000000000000001ffffffffffffff", Convert.ToHexStringLower(image.AsSpan(64, 32)));
        // BLOB_IDX of the 9000-byte blob on page 2, entry 69: size 0x2328, 3 chunks, chunk start 0.
        Assert.Equal("024801ff84659714626967626c6f62000000000000000000282300000300ffff", Convert.ToHexStringLower(image.AsSpan(2 * 4096 + 64 + 69 * 32, 32)));
        // Even a 5-byte binary value is BLOB_DATA + BLOB_IDX in v2 (key "hex", page 0 entries 17 and 19).
        Assert.Equal("01420200c8e422ff686578000000000000000000000000000500ffffaffa5af3", Convert.ToHexStringLower(image.AsSpan(64 + 17 * 32, 32)));
        Assert.Equal("014801ff28b50bef68657800000000000000000000000000050000000100ffff", Convert.ToHexStringLower(image.AsSpan(64 + 19 * 32, 32)));
        NvsTestData.AssertAllCrcsValid(image);
    }

    [Fact]
    public void Kat1_encrypted_matches_official_generator()
    {
        var image = NvsTestData.GenerateKat1(NvsTestData.Key64);
        Assert.Equal("f645c387099c18e9d7922389ed4ac5dbfde5f4fee0bfb794414eb107a4bfea9b", NvsTestData.Sha256(image));
        // Header and bitmap stay plaintext; entry 0 is ciphertext; unused pages stay 0xFF.
        Assert.Equal("fcffffff00000000feffffffffffffffffffffffffffffffffffffff842dbab9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaafa",
            Convert.ToHexStringLower(image.AsSpan(0, 64)));
        Assert.Equal("8d88c038251e650b4a67f0dd030b816fe963774b9f13a4303bf707b2baa352e6", Convert.ToHexStringLower(image.AsSpan(64, 32)));
        Assert.All(image.AsSpan(3 * 4096, 3 * 4096).ToArray(), b => Assert.Equal(0xFF, b));
        NvsTestData.AssertAllCrcsValid(image, NvsTestData.Key64);
    }

    [Fact]
    public void Kat3_page_boundaries_and_wifi_keys_match_official_generator()
    {
        var image = NvsPartitionGenerator.Generate(NvsTestData.Kat3Csv(), 0x8000);
        Assert.Equal("6b250017ddd45a7c01e36921db0fa9117f35a0535c6755b8f6e6645bfaaae41b", NvsTestData.Sha256(image));
        // Last entry of page 0: a 0-byte BLOB_DATA chunk of "b1" (size 0, CRC of nothing = 0xFFFFFFFF).
        Assert.Equal("0000ffffffffffff", Convert.ToHexStringLower(image.AsSpan(64 + 125 * 32 + 24, 8)));
        NvsTestData.AssertAllCrcsValid(image);
    }

    [Fact]
    public void Kat4_version1_matches_official_generator()
    {
        var image = NvsPartitionGenerator.Generate(NvsTestData.Kat4Csv, 0x3000, new NvsGeneratorOptions { Version = 1 });
        Assert.Equal("16eafa6e2cffb2dfe66579f193d22334e14c4fb9dd097e12971192f2dfca8a44", NvsTestData.Sha256(image));
        Assert.Equal(0xFF, image[8]); // version byte of format v1
        NvsTestData.AssertAllCrcsValid(image);
    }

    /// <summary>Python-level parsing details: lenient base64 (junk skipped, data after '=' ignored), int() with
    /// sign, spaces, underscores and leading zeros, hex2bin with surrounding whitespace, an upper-case
    /// primitive encoding, CSV quote doubling, UTF-8 text, extra columns.</summary>
    public const string Kat5Csv = "key,type,encoding,value\ntricky,namespace,,\nb64junk,data,base64,\"SGVs bG8g*#\nTlZT IQ==\"\nb64pad,data,base64,YQ==trailing ignored\nb64empty,data,base64,\nintspace,data,i32,\"  +42 \"\nintunder,data,u64,1_000_000\nintzero,data,i16,-0007\nhexspace,data,hex2bin,\"  0a0B0c\n\"\nupper,data,U16,513\nquoted,data,string,\"a \"\"b\"\" , c\"\nutf8,data,string,\u017c\u00f3\u0142w \ud83d\udc22\ntrailing,data,u8,5,extra,columns\n";

    [Fact]
    public void Kat5_python_parsing_details_match_official_generator()
    {
        var image = NvsPartitionGenerator.Generate(Kat5Csv, 0x3000);
        Assert.Equal("60c72e65e3dde16936f3452a7d2dbd6c74a6254aceabead0f3fee1f243f23de4", NvsTestData.Sha256(image));
        var dump = NvsReader.Read(image);
        Assert.Equal("Hello NVS!"u8.ToArray(), dump.Find("tricky", "b64junk"));
        Assert.Equal("a"u8.ToArray(), dump.Find("tricky", "b64pad"));
        Assert.Equal(42, dump.Find("tricky", "intspace"));
        Assert.Equal((short)-7, dump.Find("tricky", "intzero"));
        Assert.Equal("a \"b\" , c", dump.Find("tricky", "quoted"));
        Assert.Equal("\u017c\u00f3\u0142w \ud83d\udc22", dump.Find("tricky", "utf8"));
    }

    [Fact]
    public void Active_header_for_sequence_0_matches_reference_excerpt()
    {
        // Reference notes §2 (IDF sample_val.csv, 0x3000): header "feffffff 00000000 fe ff×19 842dbab9".
        var image = NvsPartitionGenerator.Generate("key,type,encoding,value\nstorage,namespace,,\nu8_key,data,u8,255\n", 0x3000);
        Assert.Equal("feffffff00000000fe" + string.Concat(Enumerable.Repeat("ff", 19)) + "842dbab9", Convert.ToHexStringLower(image.AsSpan(0, 32)));
        // Reference: first entry "00 01 01 ff 09a95007 storage\0… 01 ff×7"; bitmap starts with 2 entries written.
        Assert.Equal("000101ff09a9500773746f72616765", Convert.ToHexStringLower(image.AsSpan(64, 15)));
        Assert.Equal(0xFA, image[32]);
        // Pages 1 and 2 (data space and reserve) stay erased.
        Assert.All(image.AsSpan(4096).ToArray(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Xts_matches_python_cryptography()
    {
        // Vector computed with Python cryptography 48.0.0: Cipher(AES(key=bytes(range(64))),
        // XTS(tweak=LE32(0x1234) + 12 zero bytes)).encryptor().update(bytes(range(100, 132))).
        using var partition = new NvsEncryptedPartition(new Esp32.Formats.Flash.MemoryFlash(4096), Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        var plain = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var cipher = new byte[32];
        partition.EncryptEntry(0x1234, plain, cipher);
        Assert.Equal("e82e84669d93707294db93cbfbc698613bc92670663387927ea003e4346581de", Convert.ToHexStringLower(cipher));
        var back = new byte[32];
        partition.DecryptEntry(0x1234, cipher, back);
        Assert.Equal(plain, back);
    }

    [Fact]
    public void Reader_lists_every_value_of_kat1_plain_and_encrypted()
    {
        foreach (var key in new[] { null, NvsTestData.Key64 })
        {
            var dump = NvsReader.Read(NvsTestData.GenerateKat1(key), key);
            Assert.Empty(dump.Issues);
            Assert.Equal((byte)0, dump.Find("storage", "u8min"));
            Assert.Equal((byte)255, dump.Find("storage", "u8max"));
            Assert.Equal((sbyte)-128, dump.Find("storage", "i8min"));
            Assert.Equal((sbyte)127, dump.Find("storage", "i8max"));
            Assert.Equal((ushort)65535, dump.Find("storage", "u16max"));
            Assert.Equal((short)-32768, dump.Find("storage", "i16min"));
            Assert.Equal(uint.MaxValue, dump.Find("storage", "u32max"));
            Assert.Equal(int.MinValue, dump.Find("storage", "i32min"));
            Assert.Equal(ulong.MaxValue, dump.Find("storage", "u64max"));
            Assert.Equal(long.MinValue, dump.Find("storage", "i64min"));
            Assert.Equal(-1_000_000L, dump.Find("storage", "i64under"));
            Assert.Equal("Quoted, with comma and \"quotes\"\nand a second line", dump.Find("storage", "str"));
            Assert.Equal("", dump.Find("storage", "empty_str"));
            Assert.Equal(new byte[] { 1, 2, 0xAB, 0xCD, 0xEF }, dump.Find("storage", "hex"));
            Assert.Equal("Hello NVS!"u8.ToArray(), dump.Find("storage", "b64"));
            Assert.Equal("plain text as blob"u8.ToArray(), dump.Find("storage", "bin"));
            Assert.Equal(NvsTestData.TextFile, dump.Find("config", "fstr"));
            Assert.Equal(Convert.FromHexString("0123456789abcdefFEDCBA"), dump.Find("config", "fhex"));
            Assert.Equal(Convert.FromBase64String("AQIDBAUGBwgJq83v"), dump.Find("config", "fb64"));
            Assert.Equal(NvsTestData.Blob9000, dump.Find("config", "bigblob"));
            Assert.Equal("abc"u8.ToArray().Concat(new byte[13]).ToArray(), dump.Find("config", "fill"));
            Assert.Equal(new byte[] { 2, 0, 0, 0, (byte)'h', (byte)'i', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, dump.Find("config", "szfill"));
            Assert.Equal(0xDEADBEEFu, dump.Find("config", "after_blob"));
            Assert.Contains("storage/str string = \"Quoted, with comma", dump.ToText());
        }
    }
}
