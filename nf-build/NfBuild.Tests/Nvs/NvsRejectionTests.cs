using System.Buffers.Binary;
using Esp32.Formats;
using Esp32.Formats.Checksums;
using Esp32.Formats.Flash;
using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>(e) Bad input: truncated images, bad sizes, corrupt headers and entries, bad CSV rows.</summary>
public class NvsRejectionTests
{
    private sealed class OddSizeFlash(int size) : IFlashIo
    {
        public int Size => size;
        public void Read(int offset, Span<byte> destination) => destination.Fill(0xFF);
        public void Write(int offset, ReadOnlySpan<byte> data) { }
        public void Erase(int offset, int length) { }
    }

    [Fact]
    public void Truncated_images_and_odd_sizes_are_rejected()
    {
        Assert.Contains("truncated", Assert.Throws<Esp32FormatException>(() => NvsReader.Read(new byte[0x2800])).Message);
        Assert.Contains("truncated", Assert.Throws<Esp32FormatException>(() => NvsReader.Read(Array.Empty<byte>())).Message);
        Assert.Contains("multiple of 0x1000", Assert.Throws<Esp32FormatException>(() => new NvsPartition(new OddSizeFlash(0x1800))).Message);
        Assert.Contains("multiple of 4096", Assert.Throws<Esp32FormatException>(() => NvsPartitionGenerator.Generate("key,type,encoding,value\n", 0x3800)).Message);
        Assert.Contains("at least 0x3000", Assert.Throws<Esp32FormatException>(() => NvsPartitionGenerator.Generate("key,type,encoding,value\n", 0x2000)).Message);
    }

    [Fact]
    public void Bad_header_crc_marks_the_page_corrupt_and_keeps_it()
    {
        var image = NvsTestData.GenerateKat1();
        image[4096 + 10] = 0x00; // a reserved header byte of page 1 (which holds chunk 1 of "bigblob")
        var corruptPage = image.AsSpan(4096, 4096).ToArray();

        var dump = NvsReader.Read(image);
        Assert.Equal(NvsPageState.Corrupt, dump.Pages[1].State);
        Assert.Contains(dump.Issues, i => i.Page == 1 && i.Entry == null && i.Message.Contains("header CRC mismatch"));
        Assert.Contains(dump.Issues, i => i.Message.Contains("blob 'bigblob': chunk 0x01 of 3 is missing"));
        Assert.Equal((byte)255, dump.Find("storage", "u8max"));

        var flash = new MemoryFlash(image);
        var storage = NvsStorage.Mount(flash);
        var config = storage.OpenHandle("config", readWrite: false);
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => config.GetBlob("bigblob")).Error);
        Assert.Equal(0xDEADBEEFu, config.GetU32("after_blob"));
        Assert.Equal(ulong.MaxValue, storage.OpenHandle("storage", readWrite: false).GetU64("u64max"));
        Assert.Equal(corruptPage, flash.Contents.AsSpan(4096, 4096).ToArray()); // left for diagnostics, as nvs_flash does
    }

    [Fact]
    public void Bad_entry_crc_is_reported_with_page_and_entry_and_dropped_on_mount()
    {
        var image = NvsTestData.GenerateKat1();
        var (page, entry, _) = NvsTestData.ItemHeaders(image).Single(h => h.Raw.AsSpan(8, 6).SequenceEqual("u8max\0"u8));
        int address = page * 4096 + 64 + entry * 32;
        image[address + 24] ^= 0x01; // the value byte

        var dump = NvsReader.Read(image);
        var issue = Assert.Single(dump.Issues);
        Assert.Equal((page, (int?)entry), (issue.Page, issue.Entry));
        Assert.Contains("entry CRC mismatch", issue.Message);
        Assert.Contains($"page {page} entry {entry}", issue.ToString());
        Assert.Null(dump.Find("storage", "u8max"));

        var flash = new MemoryFlash(image);
        var h = NvsStorage.Mount(flash).OpenHandle("storage", readWrite: false);
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => h.GetU8("u8max")).Error);
        Assert.Equal((byte)0, h.GetU8("u8min"));
        int bits = (flash.Contents[page * 4096 + 32 + entry / 4] >> (entry % 4 * 2)) & 3;
        Assert.Equal(0, bits); // the device marked the entry ERASED
    }

    [Fact]
    public void Encrypted_image_without_or_with_wrong_key_fails_clearly()
    {
        var image = NvsTestData.GenerateKat1(NvsTestData.Key64);
        Assert.Contains("appears to be NVS-encrypted", Assert.Throws<Esp32FormatException>(() => NvsReader.Read(image)).Message);
        var wrong = (byte[])NvsTestData.Key64.Clone();
        wrong[63] ^= 1;
        Assert.Contains("does not decrypt", Assert.Throws<Esp32FormatException>(() => NvsReader.Read(image, wrong)).Message);
        Assert.Contains("does not decrypt", Assert.Throws<Esp32FormatException>(() => NvsReader.Read(NvsTestData.GenerateKat1(), NvsTestData.Key64)).Message);
    }

    [Fact]
    public void Newer_format_version_and_no_free_page_fail_to_mount()
    {
        var image = NvsTestData.GenerateKat1();
        image[8] = 0xFD;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(28), EspCrc32.Compute(image.AsSpan(4, 24)));
        Assert.Equal(NvsError.NewVersionFound, Assert.Throws<NvsException>(() => NvsStorage.Mount(new MemoryFlash(image))).Error);

        var full = new MemoryFlash(0x3000);
        for (int p = 0; p < 3; p++)
        {
            var header = new byte[32];
            header.AsSpan().Fill(0xFF);
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)NvsPageState.Full);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)p);
            header[8] = 0xFE;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), EspCrc32.Compute(header.AsSpan(4, 24)));
            full.Write(p * 4096, header);
        }
        Assert.Equal(NvsError.NoFreePages, Assert.Throws<NvsException>(() => NvsStorage.Mount(full)).Error);
        NvsStorage.Mount(full, readOnly: true); // a read-only partition needs no free page
    }

    public static TheoryData<string, int, string> BadRows => new()
    {
        { "key,type,encoding,value\nns,namespace,,\nk,data,float,1.5\n", 3, "Unsupported encoding" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,u8,256\n", 3, "out of range for u8" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,i8,-129\n", 3, "out of range for i8" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,u32,12a\n", 3, "invalid literal for int()" },
        { "key,type,encoding,value\nns,namespace,,\nsixteen_chars_xx,data,u8,1\n", 3, "should be <= 15 characters" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,hex2bin,abc\n", 3, "Should be multiple of 2" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,hex2bin,zz\n", 3, "Non-hexadecimal digit" },
        { "key,type,encoding,value\nns,namespace,,\nk,data,base64,abcde\n", 3, "cannot be 1 more than a multiple of 4" },
        { "key,type,encoding,value\nns,namespace,,\nk,file,binary,does-not-exist.bin\n", 3, "cannot read file 'does-not-exist.bin'" },
        { "key,type,encoding,value\nk,data,u8,1\n", 2, "before the first namespace row" },
        { "key,type,encoding,value\nns,namespace,,\nk,blob,u8,1\n", 3, "unknown type 'blob'" },
        { "# comment\nkey,type,encoding,value\nns,namespace,,\ns,data,string,\"two\nlines\"\n# another comment\nk,data,u16,-1\n", 7, "out of range for u16" },
        { "key,type,encoding,value\na,namespace,,\nx,data,u8,1\nb,namespace,,\na,namespace,,\n", 5, "already used before another namespace" },
        { "key,type,encoding,value\nns,namespace,,\nbig,data,string," + new string('s', 3990) + "\n", 3, "does not fit in one page" },
        { "key,type,encoding,value\nns,namespace,,\nhuge,data,string," + new string('s', 4000) + "\n", 3, "exceeds the maximum of 4000 bytes" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void Bad_csv_rows_name_their_line(string csv, int line, string message)
    {
        var e = Assert.Throws<Esp32FormatException>(() => NvsPartitionGenerator.Generate(csv, 0x3000, new NvsGeneratorOptions { BaseDirectory = Path.GetTempPath() }));
        Assert.Contains($"CSV line {line}:", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Image_too_small_names_the_row_that_overflows()
    {
        var csv = "key,type,encoding,value\nns,namespace,,\n" + string.Concat(Enumerable.Range(0, 3).Select(i => $"s{i},data,string,{new string('x', 3000)}\n"));
        var e = Assert.Throws<Esp32FormatException>(() => NvsPartitionGenerator.Generate(csv, 0x3000));
        // 0x3000 = two data pages + the reserve: s0 and s1 take one page each, s2 (line 5) finds none.
        Assert.Contains("CSV line 5:", e.Message);
        Assert.Contains("too small", e.Message);
    }
}
