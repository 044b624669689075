using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Esp32.Formats.Nvs;

/// <summary>
/// Value decoding exactly as nvs_partition_gen.py gets it from Python: <c>int()</c> for the integer
/// encodings, <c>binascii.a2b_hex</c> for hex2bin and the lenient <c>binascii.a2b_base64</c> for base64.
/// Errors are <see cref="FormatException"/>s; the generator adds the CSV line.
/// </summary>
internal static partial class NvsCsvValueParser
{
    [GeneratedRegex(@"^[+-]?[0-9]+(_[0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PythonIntPattern();

    /// <summary>Python int(text): surrounding whitespace, optional sign, decimal digits, single underscores
    /// between digits.</summary>
    public static BigInteger ParseInt(string text)
    {
        string t = text.Trim();
        if (!PythonIntPattern().IsMatch(t)) throw new FormatException($"invalid literal for int() with base 10: '{text}'");
        return BigInteger.Parse(t.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    /// <summary>binascii.a2b_hex: pairs of hex digits, no separators.</summary>
    public static byte[] ParseHex(string text)
    {
        if (text.Length % 2 != 0) throw new FormatException("Odd-length string");
        var result = new byte[text.Length / 2];
        for (int i = 0; i < result.Length; i++)
        {
            int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
            if (hi < 0 || lo < 0) throw new FormatException($"Non-hexadecimal digit found at character {(hi < 0 ? 2 * i : 2 * i + 1)}");
            result[i] = (byte)(hi << 4 | lo);
        }
        return result;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// binascii.a2b_base64 in its default, non-strict mode: characters outside the base64 alphabet are
    /// skipped, '=' ends the data once a quantum is complete, and a dangling quantum is an error.
    /// </summary>
    public static byte[] ParseBase64(string text)
    {
        foreach (char c in text)
            if (c > 0x7F) throw new FormatException("string argument should contain only ASCII characters");
        var output = new List<byte>(text.Length * 3 / 4);
        int quadPos = 0, leftChar = 0, pads = 0, dataChars = 0;
        foreach (char c in text)
        {
            if (c == '=')
            {
                if (quadPos >= 2 && quadPos + ++pads >= 4) return output.ToArray();
                continue;
            }
            int v = Base64Value(c);
            if (v < 0) continue;
            dataChars++;
            pads = 0;
            switch (quadPos)
            {
                case 0:
                    quadPos = 1;
                    leftChar = v;
                    break;
                case 1:
                    quadPos = 2;
                    output.Add((byte)(leftChar << 2 | v >> 4));
                    leftChar = v & 0x0F;
                    break;
                case 2:
                    quadPos = 3;
                    output.Add((byte)(leftChar << 4 | v >> 2));
                    leftChar = v & 0x03;
                    break;
                default:
                    quadPos = 0;
                    output.Add((byte)(leftChar << 6 | v));
                    leftChar = 0;
                    break;
            }
        }
        if (quadPos == 1)
            throw new FormatException($"Invalid base64-encoded string: number of data characters ({dataChars}) cannot be 1 more than a multiple of 4");
        if (quadPos != 0) throw new FormatException("Incorrect padding");
        return output.ToArray();
    }

    private static int Base64Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '+' => 62,
        '/' => 63,
        _ => -1,
    };
}
