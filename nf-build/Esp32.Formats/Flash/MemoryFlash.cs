using System.Numerics;

namespace Esp32.Formats.Flash;

/// <summary>
/// An in-memory NOR flash window with the real programming rules (erase to 0xFF in 4 KB sectors,
/// writes only clear bits). Used where a test or a generator needs a flash without a device.
/// </summary>
public sealed class MemoryFlash : IFlashIo
{
    private readonly byte[] _bytes;

    public MemoryFlash(int size)
    {
        if (size <= 0 || size % FlashGeometry.SectorSize != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "flash size must be a positive multiple of 4096");
        _bytes = new byte[size];
        Array.Fill(_bytes, (byte)0xFF);
    }

    /// <summary>Wraps existing contents (e.g. an image file read from disk); the array is used in place.</summary>
    public MemoryFlash(byte[] contents)
    {
        if (contents.Length == 0 || contents.Length % FlashGeometry.SectorSize != 0)
            throw new ArgumentException($"flash contents must be a positive multiple of 4096 bytes, got {contents.Length}", nameof(contents));
        _bytes = contents;
    }

    public int Size => _bytes.Length;

    /// <summary>The raw bytes, as a dump of this window would show them.</summary>
    public byte[] Contents => _bytes;

    public void Read(int offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        _bytes.AsSpan(offset, destination.Length).CopyTo(destination);
    }

    public void Write(int offset, ReadOnlySpan<byte> data)
    {
        CheckRange(offset, data.Length);
        // NOR programming only clears bits: new = old AND data (vectorised; same result as the byte loop).
        Span<byte> target = _bytes.AsSpan(offset, data.Length);
        int i = 0;
        for (; i <= target.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            (new Vector<byte>(target[i..]) & new Vector<byte>(data[i..])).CopyTo(target[i..]);
        for (; i < target.Length; i++)
            target[i] &= data[i];
    }

    public void Erase(int offset, int length)
    {
        CheckRange(offset, length);
        if (offset % FlashGeometry.SectorSize != 0 || length % FlashGeometry.SectorSize != 0)
            throw new ArgumentException($"erase range 0x{offset:X}+0x{length:X} is not 4 KB aligned");
        _bytes.AsSpan(offset, length).Fill(0xFF);
    }

    private void CheckRange(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > _bytes.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range 0x{offset:X}+0x{length:X} is outside the 0x{_bytes.Length:X}-byte flash window");
    }
}
