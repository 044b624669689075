namespace Esp32.Formats.Checksums;

/// <summary>
/// CRC-32 exactly as ESP-IDF's <c>esp_rom_crc32_le(crc, buf, len)</c> computes it
/// (components/esp_rom/linux/esp_rom_crc.c): reflected polynomial 0xEDB88320, the register is
/// the complement of the <paramref name="seed"/>, the result is complemented again.
/// With the seed 0xFFFFFFFF that NVS, otadata and nvs_keys use, this equals Python's
/// <c>zlib.crc32(buf, 0xFFFFFFFF)</c>; it is NOT the standard CRC-32 (which is seed 0).
/// Check value: "123456789" with seed 0xFFFFFFFF → 0xD202D277.
/// </summary>
public static class EspCrc32
{
    /// <summary>The seed ESP-IDF passes for NVS entries/pages, otadata and nvs_keys (UINT32_MAX).</summary>
    public const uint EspSeed = 0xFFFFFFFF;

    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    /// <summary>esp_rom_crc32_le(seed, data, len).</summary>
    public static uint Compute(ReadOnlySpan<byte> data, uint seed = EspSeed)
    {
        uint crc = ~seed;
        foreach (byte b in data)
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>Continues a CRC over a further span, as chained esp_rom_crc32_le calls do.</summary>
    public static uint Append(uint crcSoFar, ReadOnlySpan<byte> data) => Compute(data, crcSoFar);
}
