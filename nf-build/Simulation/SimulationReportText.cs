using System.Globalization;
using NfBuild.Backend;

namespace NfBuild.Simulation;

/// <summary>The report of a simulation as the lines `fleet simulate` prints at the end.</summary>
public static class SimulationReportText
{
    public static IReadOnlyList<string> Lines(SimulationReport r)
    {
        var lines = new List<string>();
        void Add(FormattableString s) => lines.Add(s.ToString(CultureInfo.InvariantCulture));
        Add($"== fleet simulate: {r.Scenario.ToString().ToLowerInvariant()}, {r.Provisioning.Devices} devices, backend {r.Backend} ==");
        Add($"provisioning   identities {r.Provisioning.Identities.TotalSeconds:F1} s, virtual chips {r.Provisioning.Chips.TotalSeconds:F1} s ({r.Provisioning.Devices / Math.Max((r.Provisioning.Identities + r.Provisioning.Chips).TotalSeconds, 1e-3):F1} devices/s)");
        var c = r.Connect;
        Add($"connect        {c.Online}/{c.Devices} online on the primary in {c.Elapsed.TotalSeconds:F1} s: {c.ConnectsPerSecond:F1} connects/s (each a full mTLS handshake); {c.Publishing} delivered telemetry");
        Add($"  connect step (TLS + CONNECT + 2 SUBSCRIBE + status PUBACK): {c.ConnectLatency}");
        Add($"  start -> online: {c.TimeToOnline}");
        if (r.Handshakes is { } h)
            Add($"tls handshakes {h.Count - h.Failed}/{h.Count} full mTLS handshakes (TLS 1.2, ECDSA P-256), {h.Concurrency} at a time: {h.PerSecond:F1}/s; {h.Latency}");
        if (r.Rollout is { } ro)
        {
            Add($"rollout        release {ro.Version} ({ro.ManifestUrl}), {(ro.Aborted ? $"ABORTED, {ro.DevicesNeverCommanded} devices never commanded" : "completed")}");
            foreach (var w in ro.Waves)
                Add($"  wave {w.Number} ({w.Percent,3}%): {w.Devices} devices, {w.Confirmed} confirmed, {w.Failed} failed, {w.NoAnswer} no answer, failure rate {w.FailureRate:P0}, {w.Elapsed.TotalSeconds:F1} s; command -> confirmed {w.CommandToConfirmed}{(w.FailureWords.Count > 0 ? "; " + string.Join(", ", w.FailureWords.Select(kv => kv.Key + " x" + kv.Value)) : "")}{(w.Aborted ? "  << abort" : "")}");
        }
        if (r.Renew is { } rn)
        {
            Add($"renew          {rn.Renewed}/{rn.Devices} renewed on the devices in {rn.DevicesDone.TotalSeconds:F1} s ({rn.RenewalsPerSecond:F1}/s); {rn.Committed}/{rn.Devices} committed by the backend in {rn.CommitsDone.TotalSeconds:F1} s");
            Add($"  online -> renewed and back on the primary: {rn.Latency}");
        }
        var m = r.Memory;
        Add($"memory         flash held {m.FlashResidentBytes / 1048576.0:F1} MB ({m.PerDeviceKb(m.FlashResidentBytes):F0} KB/device of 4096 KB), managed heap {m.ManagedBytes / 1048576.0:F0} MB ({m.PerDeviceKb(m.ManagedBytes):F0} KB/device), working set {m.WorkingSetBytes / 1048576.0:F0} MB");
        foreach (var p in r.Problems)
            lines.Add("problem: " + p);
        return lines;
    }
}
