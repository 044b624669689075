namespace Esp32.Formats.PartitionTable;

/// <summary>
/// The 32-bit flags word of a partition entry (<c>PART_FLAG_*</c>). Bits gen_esp32part does not know
/// are kept as read, so a parsed binary table writes back unchanged.
/// </summary>
[Flags]
public enum PartitionFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>Bit 0, CSV flag <c>encrypted</c>: the partition is flash-encrypted when encryption is on.</summary>
    Encrypted = 1u << 0,

    /// <summary>Bit 1, CSV flag <c>readonly</c> (ESP-IDF v5.2+): the app may not write it.</summary>
    Readonly = 1u << 1,
}
