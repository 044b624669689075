namespace Esp32.Formats.PartitionTable;

/// <summary>gen_esp32part.py <c>--secure</c>: changes the size alignment required of app partitions.</summary>
public enum SecureBootMode
{
    /// <summary>No secure boot: app sizes must be multiples of 0x1000.</summary>
    None,

    /// <summary>Secure boot v1 (<c>--secure v1</c>): app sizes must be multiples of 0x10000.</summary>
    V1,

    /// <summary>Secure boot v2 (<c>--secure v2</c>): app sizes must be multiples of 0x1000.</summary>
    V2,
}
