using System.Globalization;

namespace NfBuild.Backend;

/// <summary>Count and percentiles (nearest rank) of a set of durations in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.OrderBy(x => x).ToArray();
        if (sorted.Length == 0)
            return new LatencySummary(0, 0, 0, 0, 0);
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(sorted.Length, Rank(0.50), Rank(0.90), Rank(0.99), sorted[^1]);
    }

    public override string ToString() => Count == 0
        ? "n=0"
        : string.Create(CultureInfo.InvariantCulture, $"n={Count} p50 {P50:F0} ms, p90 {P90:F0} ms, p99 {P99:F0} ms, max {Max:F0} ms");
}
