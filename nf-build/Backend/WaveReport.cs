namespace NfBuild.Backend;

/// <summary>One rollout wave: which devices, what their status said after the command (<see cref="WaveOutcome"/>).</summary>
public sealed record WaveReport(int Number, int Percent, int Devices, int Confirmed, int Failed, int NoAnswer, IReadOnlyDictionary<string, int> FailureWords, TimeSpan Elapsed,
    LatencySummary CommandToConfirmed, bool Aborted, IReadOnlyList<DeviceOutcome> Outcomes)
{
    public double FailureRate => Devices == 0 ? 0 : (double)(Failed + NoAnswer) / Devices;
}
