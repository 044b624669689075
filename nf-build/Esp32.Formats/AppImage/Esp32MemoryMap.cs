namespace Esp32.Formats.AppImage;

/// <summary>
/// The ESP32 address map as esptool v5 names it (<c>esptool/targets/esp32.py</c> <c>MEMORY_MAP</c>), and the
/// flash-mapped ranges (<c>IROM_MAP_*</c>, <c>DROM_MAP_*</c>; ESP-IDF <c>SOC_IROM_*</c>/<c>SOC_DROM_*</c>).
/// </summary>
public static class Esp32MemoryMap
{
    /// <summary>Start of the instruction-cache flash mapping.</summary>
    public const uint IromMapStart = 0x400D0000;

    /// <summary>End (exclusive) of the instruction-cache flash mapping.</summary>
    public const uint IromMapEnd = 0x40400000;

    /// <summary>Start of the data-cache flash mapping (the app description sits at DromMapStart + 0x20).</summary>
    public const uint DromMapStart = 0x3F400000;

    /// <summary>End (exclusive) of the data-cache flash mapping.</summary>
    public const uint DromMapEnd = 0x3F800000;

    /// <summary>Flash MMU page: flash-mapped segments keep file offset ≡ address (mod this).</summary>
    public const int MmuPageSize = 0x10000;

    private static readonly (uint Start, uint End, string Name)[] Regions =
    [
        (0x00000000, 0x00010000, "PADDING"),
        (0x3F400000, 0x3F800000, "DROM"),
        (0x3F800000, 0x3FC00000, "EXTRAM_DATA"),
        (0x3FF80000, 0x3FF82000, "RTC_DRAM"),
        (0x3FF90000, 0x40000000, "BYTE_ACCESSIBLE"),
        (0x3FFAE000, 0x40000000, "DRAM"),
        (0x3FFE0000, 0x3FFFFFFC, "DIRAM_DRAM"),
        (0x40000000, 0x40070000, "IROM"),
        (0x40070000, 0x40078000, "CACHE_PRO"),
        (0x40078000, 0x40080000, "CACHE_APP"),
        (0x40080000, 0x400A0000, "IRAM"),
        (0x400A0000, 0x400BFFFC, "DIRAM_IRAM"),
        (0x400C0000, 0x400C2000, "RTC_IRAM"),
        (0x400D0000, 0x40400000, "IROM"),
        (0x50000000, 0x50002000, "RTC_DATA"),
    ];

    /// <summary>
    /// esptool's <c>ImageSegment.get_memory_type</c>: every region whose range holds the address, in map
    /// order (e.g. "BYTE_ACCESSIBLE", "DRAM" for 0x3FFB0000); empty when none does.
    /// </summary>
    public static IReadOnlyList<string> MemoryTypes(uint address) =>
        Regions.Where(r => r.Start <= address && address < r.End).Select(r => r.Name).ToArray();

    /// <summary>The address is in IROM or DROM flash mapping (esptool <c>is_flash_addr</c>, IDF <c>should_map</c>).</summary>
    public static bool IsFlashMapped(uint address) =>
        (address >= IromMapStart && address < IromMapEnd) || (address >= DromMapStart && address < DromMapEnd);
}
