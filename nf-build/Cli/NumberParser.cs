using System.CommandLine.Parsing;
using System.Globalization;

namespace NfBuild.Cli;

/// <summary>
/// Offsets, sizes and addresses as esptool and gen_esp32part accept them: decimal or 0x-hex, with an
/// optional K or M suffix (×1024, ×1024²).
/// </summary>
public static class NumberParser
{
    public static long Parse(string text)
    {
        string s = text.Trim();
        long multiplier = 1;
        if (s.EndsWith('K') || s.EndsWith('k')) { multiplier = 1024; s = s[..^1]; }
        else if (s.EndsWith('M') || s.EndsWith('m')) { multiplier = 1024 * 1024; s = s[..^1]; }
        bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        string digits = hex ? s[2..] : s;
        if (digits.Length == 0 || !long.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new CliUsageException($"'{text}' is not a number (use decimal or 0x-hex, optionally with K or M)");
        return checked(value * multiplier);
    }

    /// <summary>For System.CommandLine options: parse errors become parse errors, not exceptions.</summary>
    public static int ParseIntArgument(ArgumentResult result)
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        try
        {
            long v = Parse(token);
            if (v < 0 || v > int.MaxValue)
            {
                result.AddError($"'{token}' is out of range (0..0x7FFFFFFF)");
                return 0;
            }
            return (int)v;
        }
        catch (Exception ex) when (ex is CliUsageException or OverflowException)
        {
            result.AddError(ex is OverflowException ? $"'{token}' is too large" : ex.Message);
            return 0;
        }
    }
}
