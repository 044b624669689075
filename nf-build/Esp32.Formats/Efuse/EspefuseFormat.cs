using System.Globalization;

namespace Esp32.Formats.Efuse;

/// <summary>How espefuse prints field values (<c>raw_value</c> hex strings, CODING_SCHEME names, key bytes).</summary>
internal static class EspefuseFormat
{
    /// <summary>espefuse's dictionary for CODING_SCHEME.</summary>
    public static string CodingSchemeName(uint value) => value switch
    {
        0 => "NONE (BLK1-3 len=256 bits)",
        1 => "3/4 (BLK1-3 len=192 bits)",
        2 => "REPEAT (BLK1-3 len=128 bits) not supported",
        _ => "NONE (BLK1-3 len=256 bits)",
    };

    /// <summary>"0x" + lower-case hex padded to ceil(bits/4) digits, as espefuse's raw_value (e.g. 0x01 for 7 bits).</summary>
    public static string RawHex(uint value, int bitLength) =>
        "0x" + value.ToString("x", CultureInfo.InvariantCulture).PadLeft((bitLength + 3) / 4, '0');

    /// <summary>"0x" + the bytes in order, lower-case.</summary>
    public static string RawBytes(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Space-separated bytes ("1f 1e …"), or "??" per byte when unreadable.</summary>
    public static string SpacedBytes(ReadOnlySpan<byte> bytes, bool readable)
    {
        var parts = new string[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            parts[i] = readable ? bytes[i].ToString("x2", CultureInfo.InvariantCulture) : "??";
        return string.Join(' ', parts);
    }

    /// <summary>Parses "0x…" (or plain decimal) as espefuse and our eFuse file accept it.</summary>
    public static bool TryParseUInt(string text, out uint value)
    {
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
