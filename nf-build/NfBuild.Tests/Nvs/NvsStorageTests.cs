using Esp32.Formats.Flash;
using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>(c) Device-style use of NvsStorage/NvsHandle on an in-memory flash, and interplay with the
/// generator and the reader. Every image produced is also checked with the independent CRC checker (b).</summary>
public class NvsStorageTests
{
    private static void SetEveryType(NvsHandle h, int salt)
    {
        h.SetU8("u8", (byte)(200 + salt));
        h.SetI8("i8", (sbyte)(-100 - salt));
        h.SetU16("u16", (ushort)(60000 + salt));
        h.SetI16("i16", (short)(-30000 - salt));
        h.SetU32("u32", 4000000000u + (uint)salt);
        h.SetI32("i32", -2000000000 - salt);
        h.SetU64("u64", ulong.MaxValue - (ulong)salt);
        h.SetI64("i64", long.MinValue + salt);
        h.SetString("str", "hello " + salt);
        h.SetBlob("blob", Enumerable.Range(0, 50 + salt).Select(i => (byte)i).ToArray());
    }

    private static void AssertEveryType(NvsHandle h, int salt)
    {
        Assert.Equal((byte)(200 + salt), h.GetU8("u8"));
        Assert.Equal((sbyte)(-100 - salt), h.GetI8("i8"));
        Assert.Equal((ushort)(60000 + salt), h.GetU16("u16"));
        Assert.Equal((short)(-30000 - salt), h.GetI16("i16"));
        Assert.Equal(4000000000u + (uint)salt, h.GetU32("u32"));
        Assert.Equal(-2000000000 - salt, h.GetI32("i32"));
        Assert.Equal(ulong.MaxValue - (ulong)salt, h.GetU64("u64"));
        Assert.Equal(long.MinValue + salt, h.GetI64("i64"));
        Assert.Equal("hello " + salt, h.GetString("str"));
        Assert.Equal(Enumerable.Range(0, 50 + salt).Select(i => (byte)i).ToArray(), h.GetBlob("blob"));
    }

    [Fact]
    public void Every_type_round_trips_and_survives_remount()
    {
        var flash = new MemoryFlash(0x5000);
        var h = NvsStorage.Mount(flash).OpenHandle("app", readWrite: true);
        SetEveryType(h, 1);
        AssertEveryType(h, 1);
        AssertEveryType(NvsStorage.Mount(flash).OpenHandle("app", readWrite: false), 1);
        // The first page gets seq 0 and the header written lazily; all CRCs verify.
        Assert.Equal("feffffff00000000fe", Convert.ToHexStringLower(flash.Contents.AsSpan(0, 9)));
        Assert.True(NvsTestData.AssertAllCrcsValid(flash.Contents) >= 11);
        var dump = NvsReader.Read(flash.Contents);
        Assert.Empty(dump.Issues);
        Assert.Equal("hello 1", dump.Find("app", "str"));
        Assert.Equal((short)-30001, dump.Find("app", "i16"));
    }

    [Fact]
    public void Overwrite_type_change_erase_and_namespaces()
    {
        var flash = new MemoryFlash(0x5000);
        var storage = NvsStorage.Mount(flash);
        var a = storage.OpenHandle("a", readWrite: true);
        var b = storage.OpenHandle("b", readWrite: true);
        a.SetU32("k", 1);
        b.SetU32("k", 2);
        a.SetU32("k", 3);
        Assert.Equal(3u, a.GetU32("k"));
        Assert.Equal(2u, b.GetU32("k"));
        // Storage::findItem turns a page's TYPE_MISMATCH into NOT_FOUND, so that is what nvs_get_* returns.
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => a.GetU16("k")).Error);

        // Another type under the same key replaces the old value (LEGACY_DUP_KEYS off).
        a.SetString("k", "now a string");
        Assert.Equal("now a string", a.GetString("k"));
        Assert.Equal(NvsItemType.String, a.FindKey("k"));
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => a.GetU32("k")).Error);

        a.EraseKey("k");
        Assert.Null(a.FindKey("k"));
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => a.GetString("k")).Error);
        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => a.EraseKey("k")).Error);

        a.SetU8("x", 1);
        a.SetBlob("y", new byte[5000]);
        a.EraseAll();
        Assert.Empty(a.ListEntries());
        Assert.Equal(2u, b.GetU32("k"));

        Assert.Equal(NvsError.NotFound, Assert.Throws<NvsException>(() => storage.OpenHandle("missing", readWrite: false)).Error);
        var ro = storage.OpenHandle("b", readWrite: false);
        Assert.Equal(NvsError.ReadOnly, Assert.Throws<NvsException>(() => ro.SetU8("z", 1)).Error);
        Assert.Equal(NvsError.KeyTooLong, Assert.Throws<NvsException>(() => b.SetU8("sixteen_chars_xx", 1)).Error);
        Assert.Equal(new[] { "a", "b" }, storage.Namespaces.Keys.Order());
        NvsTestData.AssertAllCrcsValid(flash.Contents);
    }

    [Fact]
    public void String_limit_is_4000_bytes_including_nul()
    {
        var h = NvsStorage.Mount(new MemoryFlash(0x5000)).OpenHandle("s", readWrite: true);
        string max = new('m', 3999);
        h.SetString("max", max);
        Assert.Equal(max, h.GetString("max"));
        Assert.Equal(NvsError.ValueTooLong, Assert.Throws<NvsException>(() => h.SetString("over", new string('o', 4000))).Error);
    }

    [Fact]
    public void Filling_rotates_pages_and_reclaims_erased_space()
    {
        var flash = new MemoryFlash(0x4000); // 4 pages: three in use at most, one reserve
        var storage = NvsStorage.Mount(flash);
        var h = storage.OpenHandle("rot", readWrite: true);
        h.SetString("fixed", "stays");
        for (int i = 0; i < 1500; i++)
        {
            h.SetU32("counter", (uint)i);
            h.SetString("text", "value number " + i + new string('.', i % 90));
            if (i % 50 == 0) h.SetBlob("blob", Enumerable.Range(0, 5000).Select(j => (byte)(i + j)).ToArray());
        }
        Assert.Equal(1499u, h.GetU32("counter"));
        Assert.Equal("stays", h.GetString("fixed"));
        Assert.True(storage.FreePageCount >= 1);

        // Sequence numbers grew far past the page count: pages were freed and reused many times.
        var dump = NvsReader.Read(flash.Contents);
        Assert.Empty(dump.Issues);
        Assert.True(dump.Pages.Max(p => p.Sequence ?? 0) > 20);

        var reopened = NvsStorage.Mount(flash).OpenHandle("rot", readWrite: false);
        Assert.Equal(1499u, reopened.GetU32("counter"));
        Assert.Equal("value number 1499" + new string('.', 1499 % 90), reopened.GetString("text"));
        Assert.Equal(Enumerable.Range(0, 5000).Select(j => (byte)(1450 + j)).ToArray(), reopened.GetBlob("blob"));
        NvsTestData.AssertAllCrcsValid(flash.Contents);
    }

    [Fact]
    public void Multi_page_blob_alternates_chunk_start_on_rewrite()
    {
        var flash = new MemoryFlash(0x8000);
        var h = NvsStorage.Mount(flash).OpenHandle("b", readWrite: true);
        byte[] first = Enumerable.Range(0, 9000).Select(i => (byte)i).ToArray();
        byte[] second = Enumerable.Range(0, 7000).Select(i => (byte)(i * 3)).ToArray();

        h.SetBlob("big", first);
        Assert.Equal(first, h.GetBlob("big"));
        Assert.Equal(new byte[] { 0x00 }, LiveBlobIndexStarts(flash));
        h.SetBlob("big", second);
        Assert.Equal(second, h.GetBlob("big"));
        Assert.Equal(new byte[] { 0x80 }, LiveBlobIndexStarts(flash));
        h.SetBlob("big", first);
        Assert.Equal(new byte[] { 0x00 }, LiveBlobIndexStarts(flash));
        Assert.Equal(first, NvsStorage.Mount(flash).OpenHandle("b", readWrite: false).GetBlob("big"));

        // Every chunk index of the live blob is in the 0x00.. range; the 9000 bytes took 3 chunks.
        var chunks = NvsTestData.ItemHeaders(flash.Contents).Where(x => x.Raw[1] == 0x42).Select(x => x.Raw[3]).Order().ToArray();
        Assert.Equal(new byte[] { 0, 1, 2 }, chunks);
        NvsTestData.AssertAllCrcsValid(flash.Contents);
    }

    private static byte[] LiveBlobIndexStarts(MemoryFlash flash) =>
        NvsTestData.ItemHeaders(flash.Contents).Where(x => x.Raw[1] == 0x48).Select(x => x.Raw[29]).ToArray();

    [Fact]
    public void Generator_output_is_mounted_modified_and_read_back()
    {
        var image = NvsTestData.GenerateKat1();
        var flash = new MemoryFlash(image);
        var storage = NvsStorage.Mount(flash);
        var s = storage.OpenHandle("storage", readWrite: true);
        var c = storage.OpenHandle("config", readWrite: true);
        Assert.Equal(ulong.MaxValue, s.GetU64("u64max"));
        Assert.Equal("Quoted, with comma and \"quotes\"\nand a second line", s.GetString("str"));
        Assert.Equal(NvsTestData.Blob9000, c.GetBlob("bigblob"));
        Assert.Equal(NvsTestData.TextFile, c.GetString("fstr"));

        s.SetU8("u8max", 7);
        s.EraseKey("hex");
        c.SetBlob("bigblob", new byte[] { 1, 2, 3 });
        var extra = storage.OpenHandle("extra", readWrite: true);
        extra.SetString("added", "by device");

        var dump = NvsReader.Read(flash.Contents);
        Assert.Empty(dump.Issues);
        Assert.Equal((byte)7, dump.Find("storage", "u8max"));
        Assert.Null(dump.Find("storage", "hex"));
        Assert.Equal(new byte[] { 1, 2, 3 }, dump.Find("config", "bigblob"));
        Assert.Equal("by device", dump.Find("extra", "added"));
        Assert.Equal((byte)3, dump.Namespaces.Single(n => n.Value == "extra").Key);
        NvsTestData.AssertAllCrcsValid(flash.Contents);
    }

    [Fact]
    public void Encrypted_storage_round_trips_and_hides_plaintext()
    {
        var flash = new MemoryFlash(0x5000);
        var h = NvsStorage.Mount(flash, NvsTestData.Key64).OpenHandle("wifi", readWrite: true);
        SetEveryType(h, 3);
        h.SetString("password", "correct horse battery staple");
        AssertEveryType(NvsStorage.Mount(flash, NvsTestData.Key64).OpenHandle("wifi", readWrite: false), 3);

        Assert.Equal(-1, flash.Contents.AsSpan().IndexOf("correct horse"u8));
        Assert.Equal(-1, flash.Contents.AsSpan().IndexOf("wifi"u8));
        NvsTestData.AssertAllCrcsValid(flash.Contents, NvsTestData.Key64);
        Assert.Equal("correct horse battery staple", NvsReader.Read(flash.Contents, NvsTestData.Key64).Find("wifi", "password"));

        // The generator's encrypted image mounts with the same key.
        var generated = NvsStorage.Mount(new MemoryFlash(NvsTestData.GenerateKat1(NvsTestData.Key64)), NvsTestData.Key64);
        Assert.Equal(NvsTestData.Blob9000, generated.OpenHandle("config", readWrite: false).GetBlob("bigblob"));
    }

    [Fact]
    public void Entry_listing_reports_blobs_once()
    {
        var storage = NvsStorage.Mount(new MemoryFlash(0x5000));
        var h = storage.OpenHandle("n", readWrite: true);
        h.SetBlob("big", new byte[6000]);
        h.SetI32("num", -5);
        var entries = storage.ListEntries();
        Assert.Equal(2, entries.Count);
        Assert.Contains(new NvsEntryInfo("n", "big", NvsItemType.BlobData), entries);
        Assert.Contains(new NvsEntryInfo("n", "num", NvsItemType.I32), entries);
    }
}
