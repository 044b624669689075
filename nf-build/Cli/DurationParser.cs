using System.Globalization;

namespace NfBuild.Cli;

/// <summary>Durations on the command line: seconds ("90"), or a number with s, m or h ("90s", "10m", "1h").</summary>
public static class DurationParser
{
    public static TimeSpan Parse(string text, string option)
    {
        string s = text.Trim();
        double unit = 1;
        if (s.Length > 0 && char.ToLowerInvariant(s[^1]) is 's' or 'm' or 'h')
        {
            unit = char.ToLowerInvariant(s[^1]) switch { 'm' => 60, 'h' => 3600, _ => 1 };
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value <= 0 || value * unit > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new CliUsageException($"{option}: '{text}' is not a positive duration (seconds, or a number with s, m or h: 90, 90s, 10m)");
        return TimeSpan.FromSeconds(value * unit);
    }
}
