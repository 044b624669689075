using System.Diagnostics;
using IotDevice.Core.Updates;

namespace NfBuild.Backend;

/// <summary>
/// A staged rollout over an <see cref="OperatorSession"/>: the devices in waves (<see cref="WavePlan"/>), each wave's
/// OTA commands published (QoS 1, PUBACK), then the wave waited for through the devices' status reports
/// (<see cref="WaveOutcome"/>) until every device answered or the wave timeout passed; a wave whose failure rate is
/// above the threshold aborts, and the later devices get no command. `release rollout` (real devices) and
/// `fleet simulate --scenario rollout` both run this loop.
/// Threat: the command is untrusted by the device (it names a URL and nothing else); the device installs only a release
/// signed with the fleet's key, and the status words are the device's report of what it did. The abort limits how many
/// devices a release that verifies but misbehaves (fails its self-test) reaches.
/// </summary>
public static class WaveRollout
{
    public static async Task<RolloutReport> RunAsync(OperatorSession op, IReadOnlyList<string> deviceIds, string manifestUrl, string version,
        WaveRolloutOptions o, Action<string> log, CancellationToken cancel = default)
    {
        o.Check();
        var plan = WavePlan.Split(deviceIds, o.Waves);
        // Subscribed before the first command, so every answer is seen. Only reports received after a device's command
        // count: a retained one from before is an earlier outcome, and on a RabbitMQ cluster the retained store is per
        // node while a live report reaches this subscription from any node.
        await op.SubscribeStatusAsync(deviceIds, o.SubscribeTimeout, cancel).ConfigureAwait(false);
        // The retained reports follow the SUBACK: let them arrive before the first command's moment is taken.
        await Task.Delay(o.RetainedSettle, cancel).ConfigureAwait(false);
        var waves = new List<WaveReport>();
        int sent = 0;
        bool aborted = false;
        for (int w = 0; w < plan.Count && !aborted; w++)
        {
            var wave = plan[w];
            sent += wave.Count;
            if (wave.Count == 0)
                continue;
            var commandAt = new Dictionary<string, long>(StringComparer.Ordinal);
            var commandUtc = new Dictionary<string, DateTime>(StringComparer.Ordinal);
            var sw = Stopwatch.StartNew();
            foreach (var id in wave)
            {
                commandUtc[id] = DateTime.UtcNow;
                try
                {
                    await op.SendOtaCommandAsync(id, manifestUrl, o.CommandTimeout, cancel).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
                {
                    var commanded = deviceIds.Take(sent - wave.Count).Concat(commandAt.Keys).ToList();
                    throw new BackendException($"rollout stopped in wave {w + 1}: the command to {id} was not acknowledged ({ex.Message}); "
                        + $"commanded before: {(commanded.Count == 0 ? "none" : string.Join(", ", commanded))}; the remaining {deviceIds.Count - commanded.Count} devices may not have the command", ex);
                }
                commandAt[id] = Stopwatch.GetTimestamp();
            }
            log($"rollout: wave {w + 1} ({o.Waves[w]}%): OTA command for {version} sent to {wave.Count} devices as the operator");
            var outcome = new Dictionary<string, (string Word, long At)>(StringComparer.Ordinal);
            var deadline = Stopwatch.GetTimestamp() + (long)(o.WaveTimeout.TotalSeconds * Stopwatch.Frequency);
            while (outcome.Count < wave.Count && Stopwatch.GetTimestamp() < deadline)
            {
                foreach (var id in wave)
                {
                    if (outcome.ContainsKey(id) || !op.Status.TryGetValue(id, out var s) || s.ReceivedUtc < commandUtc[id])
                        continue;
                    if (WaveOutcome.Of(s.Report, version) is { } word)
                        outcome[id] = (word, Stopwatch.GetTimestamp());
                }
                await Task.Delay(100, cancel).ConfigureAwait(false);
            }
            int confirmed = outcome.Values.Count(v => WaveOutcome.IsSuccess(v.Word));
            int failed = outcome.Count - confirmed;
            int silent = wave.Count - outcome.Count;
            var words = outcome.Values.Where(v => !WaveOutcome.IsSuccess(v.Word)).GroupBy(v => v.Word).ToDictionary(g => g.Key, g => g.Count());
            if (silent > 0)
                words[WaveOutcome.NoAnswer] = silent;
            var latency = LatencySummary.Of(outcome.Where(kv => kv.Value.Word == OtaWords.Confirmed)
                .Select(kv => Stopwatch.GetElapsedTime(commandAt[kv.Key], kv.Value.At).TotalMilliseconds));
            double rate = (double)(failed + silent) / wave.Count;
            aborted = rate > o.AbortFailureRate;
            var outcomes = wave.Select(id => new DeviceOutcome(id, outcome.TryGetValue(id, out var v) ? v.Word : WaveOutcome.NoAnswer)).ToList();
            var report = new WaveReport(w + 1, o.Waves[w], wave.Count, confirmed, failed, silent, words, sw.Elapsed, latency, aborted, outcomes);
            waves.Add(report);
            log($"rollout: wave {w + 1}: {confirmed}/{wave.Count} confirmed, {failed} failed, {silent} no answer ({rate:P0} failure rate) in {sw.Elapsed.TotalSeconds:F1} s; command -> confirmed {latency}"
                + (words.Count > 0 ? "; " + string.Join(", ", words.Select(kv => $"{kv.Key} x{kv.Value}")) : "")
                + (aborted ? $"; ABORTED: above {o.AbortFailureRate:P0}, the remaining {deviceIds.Count - sent} devices get no command" : ""));
        }
        return new RolloutReport(version, manifestUrl, waves, aborted, o.AbortFailureRate, deviceIds.Skip(sent).ToList());
    }
}
