namespace Esp32.Formats.Flash;

/// <summary>
/// NOR flash with the same programming rules as <see cref="MemoryFlash"/> (erase to 0xFF in 4 KB sectors, writes only
/// clear bits) that allocates a sector only when a write first touches it: an erased sector is no memory at all. A
/// provisioned virtual Lolin32 touches about 60 KB of its 4 MB (partition table, otadata, NVS, nvs_keys, the app), so a
/// fleet simulation of 1,000 devices needs tens of MB instead of 4 GB. Reads and dumps show exactly what a dense flash
/// would hold.
/// </summary>
public sealed class SparseFlash : IFlashIo
{
    private readonly byte[]?[] _sectors;

    public SparseFlash(int size)
    {
        if (size <= 0 || size % FlashGeometry.SectorSize != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "flash size must be a positive multiple of 4096");
        Size = size;
        _sectors = new byte[]?[size / FlashGeometry.SectorSize];
    }

    /// <summary>A sparse copy of <paramref name="contents"/>: sectors that are all 0xFF are not stored.</summary>
    public static SparseFlash From(ReadOnlySpan<byte> contents)
    {
        var flash = new SparseFlash(contents.Length);
        for (int s = 0; s < flash._sectors.Length; s++)
        {
            var sector = contents.Slice(s * FlashGeometry.SectorSize, FlashGeometry.SectorSize);
            if (sector.ContainsAnyExcept((byte)0xFF))
                flash._sectors[s] = sector.ToArray();
        }
        return flash;
    }

    public int Size { get; }

    /// <summary>Sectors that hold memory (ever written since their last erase).</summary>
    public int AllocatedSectors => _sectors.Count(s => s is not null);

    /// <summary>Bytes of sector memory held.</summary>
    public long AllocatedBytes => (long)AllocatedSectors * FlashGeometry.SectorSize;

    public void Read(int offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        int done = 0;
        while (done < destination.Length)
        {
            int at = offset + done;
            int index = at / FlashGeometry.SectorSize, within = at % FlashGeometry.SectorSize;
            int n = Math.Min(FlashGeometry.SectorSize - within, destination.Length - done);
            var target = destination.Slice(done, n);
            if (_sectors[index] is { } sector)
                sector.AsSpan(within, n).CopyTo(target);
            else
                target.Fill(0xFF);
            done += n;
        }
    }

    public void Write(int offset, ReadOnlySpan<byte> data)
    {
        CheckRange(offset, data.Length);
        int done = 0;
        while (done < data.Length)
        {
            int at = offset + done;
            int index = at / FlashGeometry.SectorSize, within = at % FlashGeometry.SectorSize;
            int n = Math.Min(FlashGeometry.SectorSize - within, data.Length - done);
            var source = data.Slice(done, n);
            if (source.ContainsAnyExcept((byte)0xFF))
            {
                var sector = _sectors[index] ??= NewErasedSector();
                for (int i = 0; i < n; i++)
                    sector[within + i] &= source[i];
            }
            done += n;
        }
    }

    public void Erase(int offset, int length)
    {
        CheckRange(offset, length);
        if (offset % FlashGeometry.SectorSize != 0 || length % FlashGeometry.SectorSize != 0)
            throw new ArgumentException($"erase range 0x{offset:X}+0x{length:X} is not 4 KB aligned");
        for (int s = offset / FlashGeometry.SectorSize; s < (offset + length) / FlashGeometry.SectorSize; s++)
            _sectors[s] = null;
    }

    /// <summary>The whole chip as a dense array (esptool read_flash).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Read(0, bytes);
        return bytes;
    }

    private static byte[] NewErasedSector()
    {
        var sector = new byte[FlashGeometry.SectorSize];
        Array.Fill(sector, (byte)0xFF);
        return sector;
    }

    private void CheckRange(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range 0x{offset:X}+0x{length:X} is outside the 0x{Size:X}-byte flash window");
    }
}
