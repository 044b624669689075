using System.Buffers.Binary;
using System.Security.Cryptography;
using Esp32.Formats.AppImage;
using Xunit;

namespace NfBuild.Tests.AppImage;

/// <summary>Builder ↔ parser agreement and the reported fields.</summary>
public class AppImageParseTests
{
    [Fact]
    public void Built_image_parses_back_to_its_inputs()
    {
        var builder = AppImageTestData.CreateBuilder();
        var info = AppImageInfo.Parse(builder.Build());

        Assert.Equal(builder.Header with { SegmentCount = 6, HashAppended = 1 }, info.Header);
        Assert.Equal(AppImageTestData.Description, info.Description);
        // First segment: the 256-byte description, then the rodata.
        Assert.Equal([.. AppImageTestData.Description.ToBytes(), .. AppImageTestData.Pattern(64, 1)], info.Segments[0].Data.ToArray());
        Assert.Equal(0x20, info.Segments[0].DataOffset);
        // The IRAM segment was split to fill the 64 KB gap; together the pieces are the original data.
        var iram = info.Segments.Where(s => s.MemoryRegion == "IRAM").OrderBy(s => s.LoadAddress).ToList();
        Assert.Equal(AppImageTestData.IramAddress, iram[0].LoadAddress);
        Assert.Equal(iram[0].LoadAddress + (uint)iram[0].Length, iram[1].LoadAddress);
        Assert.Equal(AppImageTestData.Pattern(0x11000, 4, 13), iram.SelectMany(s => s.Data.ToArray()).ToArray());
        Assert.Equal(AppImageTestData.Pattern(0x100, 2), info.Segments.Single(s => s.MemoryRegion == "IROM").Data.ToArray());
        // Flash-mapped segments sit at file offset ≡ address (mod 64 KB).
        Assert.All(info.Segments.Where(s => s.IsFlashMapped), s => Assert.Equal(s.LoadAddress % 0x10000, (uint)s.DataOffset % 0x10000));
    }

    [Fact]
    public void Trailing_partition_bytes_are_ignored()
    {
        byte[] image = AppImageTestData.Build();
        byte[] partition = [.. image, .. Enumerable.Repeat((byte)0xFF, 0x1000)];
        var info = AppImageInfo.Parse(partition);
        Assert.Equal(image.Length, info.Length);
        Assert.True(info.IsValid);
    }

    [Fact]
    public void Segment_that_ends_just_past_a_page_gets_the_esp32_workaround_padding()
    {
        // Description segment: data at 0x20; 0x10000 - 0x20 - 0x100 + 0x10 bytes of rodata ends it 0x10 bytes
        // into the next 64 KB page, so it is zero-extended to end 0x24 bytes in.
        var builder = new AppImageBuilder(AppImageTestData.Description) { RodataAfterDescription = new byte[0x10000 - 0x20 - 0x100 + 0x10] };
        var info = AppImageInfo.Parse(builder.Build());
        Assert.Equal(0x10024, info.Segments[0].DataOffset + info.Segments[0].Length);
    }

    [Fact]
    public void Memory_types_follow_esptool()
    {
        Assert.Equal(["DROM"], Esp32MemoryMap.MemoryTypes(0x3F400020));
        Assert.Equal(["BYTE_ACCESSIBLE", "DRAM", "DIRAM_DRAM"], Esp32MemoryMap.MemoryTypes(0x3FFE0000));
        Assert.Equal(["RTC_IRAM"], Esp32MemoryMap.MemoryTypes(0x400C0000));
        Assert.Equal(["DIRAM_IRAM"], Esp32MemoryMap.MemoryTypes(0x400A0000));
        Assert.Equal(["RTC_DRAM"], Esp32MemoryMap.MemoryTypes(0x3FF80000));
        Assert.Empty(Esp32MemoryMap.MemoryTypes(0x60000000));
    }

    /// <summary>An image assembled by hand (no alignment rules), with a right checksum and hash.</summary>
    internal static byte[] RawImage(AppImageHeader header, params (uint Address, byte[] Data)[] segments)
    {
        var image = new List<byte>(new byte[24]);
        byte checksum = 0xEF;
        foreach (var (address, data) in segments)
        {
            var segmentHeader = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(segmentHeader, address);
            BinaryPrimitives.WriteUInt32LittleEndian(segmentHeader.AsSpan(4), (uint)data.Length);
            image.AddRange(segmentHeader);
            image.AddRange(data);
            foreach (byte b in data) checksum ^= b;
        }
        while (image.Count % 16 != 15) image.Add(0);
        image.Add(checksum);
        byte[] bytes = [.. image];
        (header with { SegmentCount = (byte)segments.Length }).WriteTo(bytes);
        return header.HashAppended != 0 ? [.. bytes, .. SHA256.HashData(bytes)] : bytes;
    }

    [Fact]
    public void Raw_image_helper_agrees_with_the_parser()
    {
        var info = AppImageInfo.Parse(RawImage(new AppImageHeader(), (0x3FFB0000, new byte[] { 1, 2, 3, 4 })));
        Assert.True(info.IsValid);
        Assert.Null(info.Description);
        Assert.Equal(0xEF ^ 1 ^ 2 ^ 3 ^ 4, info.ComputedChecksum);
    }
}
