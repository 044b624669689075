using System.Globalization;

namespace NfBuild.Backend;

/// <summary>
/// Waves of a staged rollout: cumulative percentages of the devices, ascending, the last 100 (5,25,100 = 5 % first,
/// then up to 25 %, then the rest). Wave w holds the devices up to ceil(count × percent / 100) not in an earlier wave,
/// in the order given, so a small fleet still gets a first wave of at least one device; a wave can be empty (skipped).
/// </summary>
public static class WavePlan
{
    public const string Rule = "--waves must be ascending percentages of the fleet ending with 100, e.g. 5,25,100";

    /// <summary>Throws <see cref="BackendException"/> (<see cref="Rule"/>) unless the waves are ascending 1..100 ending with 100.</summary>
    public static void Check(IReadOnlyList<int> waves)
    {
        if (waves.Count == 0 || waves[^1] != 100 || waves.Any(w => w is < 1 or > 100) || waves.Zip(waves.Skip(1)).Any(p => p.Second <= p.First))
            throw new BackendException(Rule);
    }

    /// <summary>"5,25,100" as checked percentages.</summary>
    public static IReadOnlyList<int> Parse(string text)
    {
        var waves = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            waves.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int w) ? w : throw new BackendException($"--waves: '{part}' is not a percentage"));
        Check(waves);
        return waves;
    }

    /// <summary>The devices of each wave (one list per percentage, possibly empty), every device in exactly one.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Split(IReadOnlyList<string> deviceIds, IReadOnlyList<int> waves)
    {
        Check(waves);
        var result = new List<IReadOnlyList<string>>(waves.Count);
        int sent = 0;
        foreach (int percent in waves)
        {
            int upTo = (int)Math.Ceiling(deviceIds.Count * percent / 100.0);
            result.Add(deviceIds.Skip(sent).Take(upTo - sent).ToList());
            sent = upTo;
        }
        return result;
    }
}
