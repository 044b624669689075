using System.Buffers.Binary;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.Ota;

/// <summary>
/// <c>esp_ota_select_entry_t</c>, one 32-byte copy of otadata: <c>u32 ota_seq</c>, <c>u8 seq_label[20]</c>,
/// <c>u32 ota_state</c>, <c>u32 crc</c>, where crc = <c>esp_rom_crc32_le(UINT32_MAX, &amp;ota_seq, 4)</c>
/// (<c>bootloader_common_ota_select_crc</c>). Immutable; equality compares all 32 bytes.
/// </summary>
public sealed record OtaSelectEntry
{
    /// <summary>Size of the struct on flash.</summary>
    public const int Size = 32;

    /// <summary>Length of <c>seq_label</c>.</summary>
    public const int LabelSize = 20;

    /// <summary>An erased ota_seq (and an erased entry's every field).</summary>
    public const uint ErasedSequence = 0xFFFFFFFF;

    private readonly byte[] _label;

    /// <summary>An entry with these field values, taken as given (the crc is not recomputed).</summary>
    /// <param name="sequence">ota_seq: the boot slot is <c>(seq − 1) % number of OTA apps</c>.</param>
    /// <param name="label">seq_label, exactly 20 bytes (ESP-IDF leaves it 0xFF).</param>
    /// <param name="state">ota_state.</param>
    /// <param name="crc">The stored crc, which may or may not match <paramref name="sequence"/>.</param>
    public OtaSelectEntry(uint sequence, ReadOnlySpan<byte> label, OtaImageState state, uint crc)
    {
        if (label.Length != LabelSize) throw new ArgumentException($"seq_label is {LabelSize} bytes, got {label.Length}", nameof(label));
        Sequence = sequence;
        _label = label.ToArray();
        State = state;
        Crc = crc;
    }

    /// <summary>An erased entry (32 × 0xFF).</summary>
    public static OtaSelectEntry Erased { get; } = new(ErasedSequence, ErasedLabel, OtaImageState.Undefined, 0xFFFFFFFF);

    /// <summary>
    /// A fresh entry as the bootloader's <c>set_actual_ota_seq</c> builds it: 0xFF everywhere, then seq,
    /// state and the matching crc.
    /// </summary>
    public static OtaSelectEntry Create(uint sequence, OtaImageState state) =>
        new(sequence, ErasedLabel, state, ComputeCrc(sequence));

    private static ReadOnlySpan<byte> ErasedLabel =>
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    /// <summary>ota_seq.</summary>
    public uint Sequence { get; init; }

    /// <summary>seq_label (20 bytes, usually 0xFF).</summary>
    public ReadOnlySpan<byte> Label => _label;

    /// <summary>ota_state.</summary>
    public OtaImageState State { get; init; }

    /// <summary>The stored crc.</summary>
    public uint Crc { get; init; }

    /// <summary><c>bootloader_common_ota_select_crc</c>: CRC-32 (ESP seed 0xFFFFFFFF) of the 4 little-endian seq bytes.</summary>
    public static uint ComputeCrc(uint sequence)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, sequence);
        return EspCrc32.Compute(bytes);
    }

    /// <summary>The stored crc matches the sequence.</summary>
    public bool IsCrcValid => Crc == ComputeCrc(Sequence);

    /// <summary><c>bootloader_common_ota_select_invalid</c>: erased seq, or state INVALID/ABORTED (crc not looked at).</summary>
    public bool IsInvalid => Sequence == ErasedSequence || State is OtaImageState.Invalid or OtaImageState.Aborted;

    /// <summary><c>bootloader_common_ota_select_valid</c>: not invalid and the crc matches.</summary>
    public bool IsValid => !IsInvalid && IsCrcValid;

    /// <summary>
    /// The bootloader's "initial state" test: seq erased or crc wrong. When both copies are initial and no
    /// factory app exists, the bootloader writes a fresh entry for the slot it boots.
    /// </summary>
    public bool IsInitial => Sequence == ErasedSequence || !IsCrcValid;

    /// <summary>This entry with a new seq and the crc recomputed (what <c>rewrite_ota_seq</c> does).</summary>
    public OtaSelectEntry WithSequence(uint sequence) => this with { Sequence = sequence, Crc = ComputeCrc(sequence) };

    /// <summary>The 32 bytes as stored on flash.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Sequence);
        _label.CopyTo(bytes, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), (uint)State);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Crc);
        return bytes;
    }

    /// <summary>Decodes the 32 bytes of an entry (any content is a representable entry).</summary>
    public static OtaSelectEntry FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size) throw new ArgumentException($"an otadata entry is {Size} bytes, got {bytes.Length}", nameof(bytes));
        return new OtaSelectEntry(
            BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            bytes.Slice(4, LabelSize),
            (OtaImageState)BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[28..]));
    }

    /// <inheritdoc />
    public bool Equals(OtaSelectEntry? other) =>
        other is not null && Sequence == other.Sequence && State == other.State && Crc == other.Crc && _label.AsSpan().SequenceEqual(other._label);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Sequence, State, Crc, Convert.ToHexString(_label));

    /// <inheritdoc />
    public override string ToString() =>
        $"seq={(Sequence == ErasedSequence ? "0xFFFFFFFF" : Sequence.ToString())} state={State} crc=0x{Crc:X8}{(IsCrcValid ? "" : " (bad)")}";
}
