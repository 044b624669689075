namespace Esp32.Formats.Flash;

/// <summary>
/// An <see cref="IFlashIo"/> decorator that simulates losing power in the middle of a flash operation, for
/// power-cut sweeps: <see cref="CutAt"/> arms it so that the N-th following write or erase is torn (a write
/// programs only a prefix of its bytes; an erase erases only a prefix of its range and leaves the rest as
/// it was) and throws <see cref="PowerCutException"/>; every later access throws too until
/// <see cref="Restore"/>, which is "power back on". <see cref="OperationCount"/> counts writes and erases,
/// so a test can first run an operation uncut to learn its length and then cut it at every index.
/// </summary>
public sealed class PowerCutFlash : IFlashIo
{
    private readonly IFlashIo _inner;
    private int _cutAt; // 0 = not armed, else 1-based index (relative to arming) of the operation to tear
    private int _sinceArmed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The flash that keeps whatever the operations managed to do.</param>
    /// <param name="tornWriteLength">How many bytes of an n-byte write reach flash when it is cut
    /// (default n/2); must return 0..n.</param>
    /// <param name="tornEraseLength">How many bytes of an n-byte erase are erased when it is cut
    /// (default n/2, i.e. half a sector); must return 0..n.</param>
    public PowerCutFlash(IFlashIo inner, Func<int, int>? tornWriteLength = null, Func<int, int>? tornEraseLength = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        TornWriteLength = tornWriteLength ?? (n => n / 2);
        TornEraseLength = tornEraseLength ?? (n => n / 2);
    }

    /// <summary>Bytes of a torn write that are programmed.</summary>
    public Func<int, int> TornWriteLength { get; set; }

    /// <summary>Bytes of a torn erase that are erased.</summary>
    public Func<int, int> TornEraseLength { get; set; }

    /// <inheritdoc />
    public int Size => _inner.Size;

    /// <summary>Writes and erases issued so far (including a torn one), since construction or <see cref="ResetCount"/>.</summary>
    public int OperationCount => WriteCount + EraseCount;

    /// <summary>Writes issued so far (including a torn one).</summary>
    public int WriteCount { get; private set; }

    /// <summary>Erases issued so far (including a torn one).</summary>
    public int EraseCount { get; private set; }

    /// <summary>True from the cut until <see cref="Restore"/>.</summary>
    public bool IsPoweredOff { get; private set; }

    /// <summary>Whether a cut is armed.</summary>
    public bool IsArmed => _cutAt > 0;

    /// <summary>Sets the operation counters back to 0.</summary>
    public void ResetCount()
    {
        WriteCount = 0;
        EraseCount = 0;
    }

    /// <summary>Arms a cut at the <paramref name="n"/>-th write or erase from now (1 = the next one).</summary>
    public void CutAt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _cutAt = n;
        _sinceArmed = 0;
    }

    /// <summary>Disarms a pending cut without restoring power.</summary>
    public void Disarm() => _cutAt = 0;

    /// <summary>Power back on: accesses work again; any pending cut is disarmed.</summary>
    public void Restore()
    {
        IsPoweredOff = false;
        _cutAt = 0;
    }

    /// <inheritdoc />
    public void Read(int offset, Span<byte> destination)
    {
        ThrowIfOff("read");
        _inner.Read(offset, destination);
    }

    /// <inheritdoc />
    public void Write(int offset, ReadOnlySpan<byte> data)
    {
        ThrowIfOff("write");
        WriteCount++;
        if (IsCutNow())
        {
            int n = Math.Clamp(TornWriteLength(data.Length), 0, data.Length);
            if (n > 0) _inner.Write(offset, data[..n]);
            PowerOff($"power cut during write #{OperationCount} at 0x{offset:X} ({n} of {data.Length} bytes programmed)");
        }
        _inner.Write(offset, data);
    }

    /// <inheritdoc />
    public void Erase(int offset, int length)
    {
        ThrowIfOff("erase");
        EraseCount++;
        if (IsCutNow())
        {
            int n = Math.Clamp(TornEraseLength(length), 0, length);
            if (n > 0)
            {
                // Erase whole sectors of the prefix, then clear the partial remainder with 0xFF by hand.
                int whole = n / FlashGeometry.SectorSize * FlashGeometry.SectorSize;
                if (whole > 0) _inner.Erase(offset, whole);
                int partial = n - whole;
                if (partial > 0) ErasePartialSector(offset + whole, partial);
            }
            PowerOff($"power cut during erase #{OperationCount} of 0x{offset:X}+0x{length:X} ({n} bytes erased)");
        }
        _inner.Erase(offset, length);
    }

    /// <summary>Sets <paramref name="count"/> bytes at <paramref name="offset"/> to 0xFF while keeping the rest
    /// of that sector: erase the sector and program back what must survive.</summary>
    private void ErasePartialSector(int offset, int count)
    {
        int sector = offset / FlashGeometry.SectorSize * FlashGeometry.SectorSize;
        var keep = new byte[FlashGeometry.SectorSize];
        _inner.Read(sector, keep);
        keep.AsSpan(offset - sector, count).Fill(0xFF);
        _inner.Erase(sector, FlashGeometry.SectorSize);
        _inner.Write(sector, keep);
    }

    private bool IsCutNow() => _cutAt > 0 && ++_sinceArmed == _cutAt;

    private void PowerOff(string message)
    {
        IsPoweredOff = true;
        _cutAt = 0;
        throw new PowerCutException(message);
    }

    private void ThrowIfOff(string what)
    {
        if (IsPoweredOff) throw new PowerCutException($"flash {what} while power is off (call Restore first)");
    }
}
