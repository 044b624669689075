using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Esp32.Formats.Checksums;
using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>
/// Inputs of the NVS known-answer tests, written by the tests themselves (no upstream file is used), and
/// an independent checker of page-header and entry CRCs.
/// </summary>
internal static class NvsTestData
{
    /// <summary>64-byte XTS key used for every encrypted vector: byte i = (7·i + 1) mod 256.</summary>
    public static byte[] Key64 { get; } = Enumerable.Range(0, 64).Select(i => (byte)((i * 7 + 1) & 0xFF)).ToArray();

    /// <summary>Content of blob9000.bin: byte i = (31·i + 7) mod 256.</summary>
    public static byte[] Blob9000 { get; } = Enumerable.Range(0, 9000).Select(i => (byte)((i * 31 + 7) & 0xFF)).ToArray();

    public const string TextFile = "Hello from a file\nline two \u00fcn\u00efc\u00f6d\u00e9\n";

    /// <summary>Every encoding, both value sources, two namespaces, a 9000-byte blob over three pages.</summary>
    public const string Kat1Csv = """
        # NfBuild NVS known-answer CSV 1
        key,type,encoding,value
        storage,namespace,,
        u8min,data,u8,0
        u8max,data,u8,255
        i8min,data,i8,-128
        i8max,data,i8,127
        u16max,data,u16,65535
        i16min,data,i16,-32768
        u32max,data,u32,4294967295
        i32min,data,i32,-2147483648
        u64max,data,u64,18446744073709551615
        i64min,data,i64,-9223372036854775808
        i64under,data,i64,-1_000_000
        str,data,string,"Quoted, with comma and ""quotes""
        and a second line"
        empty_str,data,string,
        hex,data,hex2bin,0102abCDef
        b64,data,base64,SGVsbG8gTlZTIQ==
        bin,data,binary,plain text as blob
        config,namespace,,
        fstr,file,string,text.txt
        fhex,file,hex2bin,data.hex
        fb64,file,base64,data.b64
        bigblob,file,binary,blob9000.bin
        fill,data,blob_fill(16;0x00),abc
        szfill,data,blob_sz_fill(8;0xff),hi

        """ + "after_blob,data,u32,3735928559\n";

    /// <summary>Page-boundary cases: 120 u8 keys, a string ending on entry 124, a 1-byte blob that leaves a
    /// 0-byte chunk on the last entry, a string that would fill a page exactly (moves on), wifi keys.</summary>
    public static string Kat3Csv()
    {
        var sb = new StringBuilder("key,type,encoding,value\nfill,namespace,,\n");
        for (int i = 0; i < 120; i++) sb.Append($"k{i:D3},data,u8,{i}\n");
        sb.Append("s4,data,string,").Append('x', 70).Append('\n');
        sb.Append("b1,data,hex2bin,5a\n");
        sb.Append("s123,data,string,").Append(string.Concat(Enumerable.Range(0, 3903).Select(i => (char)('A' + i % 26)))).Append('\n');
        sb.Append("nvs.net80211,namespace,,\n");
        sb.Append("sta.ssid,data,hex2bin,").Append(Convert.ToHexStringLower("HomeNet"u8)).Append('\n');
        sb.Append("sta.pswd,data,hex2bin,").Append(Convert.ToHexStringLower("hunter22"u8)).Append('\n');
        sb.Append("ap.ssid,data,string,MyAP\nap.passwd,data,string,secret123\nap.authmode,data,u8,3\ntail,data,i16,-2\n");
        return sb.ToString();
    }

    /// <summary>Format version 1 (--version 1): strings and blobs as single-page items.</summary>
    public const string Kat4Csv = "key,type,encoding,value\nv1ns,namespace,,\nnum,data,u16,513\ntxt,data,string,version one\nblob,data,hex2bin,00ff00ff00ff\n";

    /// <summary>Creates a fresh directory holding the files the CSVs refer to.</summary>
    public static string CreateInputDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nvs-kat-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "blob9000.bin"), Blob9000);
        File.WriteAllBytes(Path.Combine(dir, "text.txt"), Encoding.UTF8.GetBytes(TextFile));
        File.WriteAllText(Path.Combine(dir, "data.hex"), "0123456789abcdefFEDCBA\n");
        File.WriteAllText(Path.Combine(dir, "data.b64"), "AQIDBAUGBwgJq83v\n");
        return dir;
    }

    public static byte[] GenerateKat1(byte[]? key = null)
    {
        string dir = CreateInputDirectory();
        try
        {
            return NvsPartitionGenerator.Generate(Kat1Csv, 0x6000, new NvsGeneratorOptions { BaseDirectory = dir, EncryptionKey = key });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// (b) Every page with a header has a valid header CRC; every WRITTEN item header has a valid entry CRC
    /// and every variable-length item a valid data CRC. Written independently of the library's page code:
    /// only EspCrc32 and, for encrypted images, the entry decryption are reused. Returns the number of
    /// item headers checked.
    /// </summary>
    public static int AssertAllCrcsValid(byte[] image, byte[]? key = null)
    {
        using var decryptor = key == null ? null : new NvsEncryptedPartition(new Esp32.Formats.Flash.MemoryFlash(image.Length), key);
        int checkedItems = 0;
        for (int page = 0; page < image.Length / 4096; page++)
        {
            int b = page * 4096;
            uint state = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(b));
            if (state == 0xFFFFFFFF)
            {
                Assert.All(image.AsSpan(b, 4096).ToArray(), x => Assert.Equal(0xFF, x));
                continue;
            }
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(b + 28)), EspCrc32.Compute(image.AsSpan(b + 4, 24)));
            for (int e = 0; e < 126;)
            {
                int bits = (image[b + 32 + e / 4] >> (e % 4 * 2)) & 3;
                if (bits != 2)
                {
                    e++;
                    continue;
                }
                byte[] entry = Entry(image, page, e, decryptor);
                uint crc = EspCrc32.Append(EspCrc32.Compute(entry.AsSpan(0, 4)), entry.AsSpan(8, 24));
                Assert.True(crc == BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(4)), $"entry CRC of page {page} entry {e}");
                checkedItems++;
                byte type = entry[1];
                int span = entry[2];
                if (type is 0x21 or 0x41 or 0x42)
                {
                    int size = BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(24));
                    var payload = new byte[size];
                    for (int j = 0; j < span - 1; j++)
                    {
                        var d = Entry(image, page, e + 1 + j, decryptor);
                        d.AsSpan(0, Math.Min(32, size - j * 32)).CopyTo(payload.AsSpan(j * 32));
                    }
                    Assert.True(EspCrc32.Compute(payload) == BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(28)), $"data CRC of page {page} entry {e}");
                }
                e += Math.Max(span, 1);
            }
        }
        return checkedItems;
    }

    private static byte[] Entry(byte[] image, int page, int entry, NvsEncryptedPartition? decryptor)
    {
        int address = page * 4096 + 64 + entry * 32;
        var raw = image.AsSpan(address, 32).ToArray();
        if (decryptor == null) return raw;
        var plain = new byte[32];
        decryptor.DecryptEntry(address, raw, plain);
        return plain;
    }

    /// <summary>All plaintext item headers of an image as (page, entry, raw 32 bytes), erased ones excluded.</summary>
    public static List<(int Page, int Entry, byte[] Raw)> ItemHeaders(byte[] image)
    {
        var list = new List<(int, int, byte[])>();
        for (int page = 0; page < image.Length / 4096; page++)
        {
            int b = page * 4096;
            if (BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(b)) == 0xFFFFFFFF) continue;
            for (int e = 0; e < 126;)
            {
                int bits = (image[b + 32 + e / 4] >> (e % 4 * 2)) & 3;
                var raw = image.AsSpan(b + 64 + e * 32, 32).ToArray();
                if (bits != 2) { e++; continue; }
                list.Add((page, e, raw));
                e += Math.Max((int)raw[2], 1);
            }
        }
        return list;
    }
}
