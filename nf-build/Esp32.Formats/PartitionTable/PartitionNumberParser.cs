using System.Globalization;
using System.Numerics;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// gen_esp32part.py <c>parse_int</c>: Python <c>int(x, 0)</c> (decimal, 0x/0o/0b prefixes, '_' between
/// digits, sign; no leading zeros on decimals) with K/M suffixes (×1024, ×1024², any case, applied
/// recursively) and, when the number does not parse, a case-insensitive keyword lookup.
/// </summary>
internal static class PartitionNumberParser
{
    /// <summary>Parses a CSV field; throws <see cref="PartitionInputException"/> with the tool's wording.</summary>
    public static long Parse(string value, IReadOnlyList<KeyValuePair<string, byte>> keywords)
    {
        string lower = value.ToLowerInvariant();
        if (lower.EndsWith('k')) return Scale(Parse(value[..^1], keywords), 1024, value);
        if (lower.EndsWith('m')) return Scale(Parse(value[..^1], keywords), 1024 * 1024, value);
        if (TryParsePythonInt(value, out var number))
            return number >= long.MinValue && number <= long.MaxValue
                ? (long)number
                : throw new PartitionInputException($"Value {value} is out of range");
        if (keywords.Count == 0)
            throw new PartitionInputException($"Invalid field value {value}");
        foreach (var (name, keywordValue) in keywords)
            if (name == lower) return keywordValue;
        throw new PartitionInputException(
            $"Value '{value}' is not valid. Known keywords: {string.Join(", ", keywords.Select(k => k.Key))}");
    }

    private static long Scale(long value, long multiplier, string text)
    {
        try { return checked(value * multiplier); }
        catch (OverflowException) { throw new PartitionInputException($"Value {text} is out of range"); }
    }

    /// <summary>Python's <c>int(text, 0)</c> for ASCII input.</summary>
    internal static bool TryParsePythonInt(string text, out BigInteger value)
    {
        value = BigInteger.Zero;
        string s = text.Trim();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        int radix = 10;
        bool prefixed = false;
        if (s.Length >= 2 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'x' or 'o' or 'b')
        {
            radix = char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            s = s[2..];
            prefixed = true;
        }

        // After a prefix one '_' may come first ("0x_ff"); otherwise '_' only between digits.
        if (prefixed && s.StartsWith('_')) s = s[1..];
        if (s.Length == 0 || s[0] == '_' || s[^1] == '_' || s.Contains("__")) return false;
        string digits = s.Replace("_", "");
        foreach (char c in digits)
        {
            int d = DigitValue(c);
            if (d < 0 || d >= radix) return false;
            value = value * radix + d;
        }

        // Base 0 forbids "007": a decimal literal that starts with 0 must be all zeros.
        if (!prefixed && digits.Length > 1 && digits[0] == '0' && !value.IsZero) return false;
        if (negative) value = -value;
        return true;
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Formats like Python's <c>'0x%x' % value</c>.</summary>
    public static string Hex(long value) =>
        value < 0 ? "0x-" + (-value).ToString("x", CultureInfo.InvariantCulture) : "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
