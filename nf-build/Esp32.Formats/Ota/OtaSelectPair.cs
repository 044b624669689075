namespace Esp32.Formats.Ota;

/// <summary>
/// The two otadata copies: <see cref="Entry0"/> at offset 0 and <see cref="Entry1"/> at 0x1000 of the
/// otadata partition (<c>otadata[0]</c>, <c>otadata[1]</c> in ESP-IDF).
/// </summary>
public sealed record OtaSelectPair(OtaSelectEntry Entry0, OtaSelectEntry Entry1)
{
    /// <summary>Both copies erased, as after flashing an erased otadata partition.</summary>
    public static OtaSelectPair Erased { get; } = new(OtaSelectEntry.Erased, OtaSelectEntry.Erased);

    /// <summary>Copy 0 or 1.</summary>
    public OtaSelectEntry this[int index] => index switch
    {
        0 => Entry0,
        1 => Entry1,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "otadata has copies 0 and 1"),
    };

    /// <summary>This pair with copy <paramref name="index"/> replaced.</summary>
    public OtaSelectPair With(int index, OtaSelectEntry entry) => index switch
    {
        0 => this with { Entry0 = entry },
        1 => this with { Entry1 = entry },
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "otadata has copies 0 and 1"),
    };

    /// <summary>
    /// <c>bootloader_common_get_active_otadata</c>: the valid copy with the larger seq (copy 0 on a tie),
    /// the only valid copy, or -1.
    /// </summary>
    public int ActiveIndex => Select(Entry0.IsValid, Entry1.IsValid, max: true);

    /// <summary>
    /// <c>bootloader_common_select_otadata</c>: among the copies flagged in <paramref name="use0"/>/<paramref name="use1"/>,
    /// the one with the larger (<paramref name="max"/>) or smaller seq, copy 0 when equal; -1 when none.
    /// </summary>
    public int Select(bool use0, bool use1, bool max)
    {
        if (use0 && use1)
        {
            uint wanted = max ? Math.Max(Entry0.Sequence, Entry1.Sequence) : Math.Min(Entry0.Sequence, Entry1.Sequence);
            return wanted == Entry0.Sequence ? 0 : 1;
        }
        return use0 ? 0 : use1 ? 1 : -1;
    }
}
