using System.Globalization;
using NfBuild.Backend;

namespace NfBuild.Cli;

/// <summary>The end of `release rollout` in waves: a summary line, one row per wave, then every device's outcome.</summary>
internal static class RolloutTable
{
    public const string NoCommand = "no command";

    public static IReadOnlyList<string> Lines(RolloutReport r)
    {
        var lines = new List<string>();
        void Add(FormattableString s) => lines.Add(s.ToString(CultureInfo.InvariantCulture));
        int commanded = r.Waves.Sum(w => w.Devices);
        Add($"release {r.Version} ({r.ManifestUrl}): {(r.Aborted ? $"ABORTED after wave {r.Waves[^1].Number} (failure rate {Percent(r.Waves[^1].FailureRate)} above {Percent(r.AbortFailureRate)}), {r.DevicesNeverCommanded} devices got no command" : $"completed, {commanded} devices commanded")}");
        Add($"{"wave",-5} {"percent",7} {"devices",7} {"confirmed",9} {"failed",6} {"no-answer",9} {"failure",7} {"time",8}");
        foreach (var w in r.Waves)
            Add($"{w.Number,-5} {w.Percent + "%",7} {w.Devices,7} {w.Confirmed,9} {w.Failed,6} {w.NoAnswer,9} {Percent(w.FailureRate),7} {w.Elapsed.TotalSeconds,6:F1} s{(w.Aborted ? "  << abort" : "")}");
        int width = Math.Max(6, r.Waves.SelectMany(w => w.Outcomes).Select(d => d.DeviceId.Length).Concat(r.NeverCommanded.Select(id => id.Length)).DefaultIfEmpty(0).Max());
        Add($"{"device".PadRight(width)} {"wave",-5} outcome");
        foreach (var w in r.Waves)
            foreach (var d in w.Outcomes)
                Add($"{d.DeviceId.PadRight(width)} {w.Number,-5} {d.Outcome}");
        foreach (var id in r.NeverCommanded)
            Add($"{id.PadRight(width)} {"-",-5} {NoCommand}");
        return lines;
    }

    /// <summary>0.25 as "25%" (the invariant culture's P0 writes "25 %").</summary>
    public static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
