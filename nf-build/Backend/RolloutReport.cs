namespace NfBuild.Backend;

/// <summary>A rollout in waves (<see cref="WaveRollout"/>): the waves that ran and the devices that never got the command.</summary>
public sealed record RolloutReport(string Version, string ManifestUrl, IReadOnlyList<WaveReport> Waves, bool Aborted, double AbortFailureRate, IReadOnlyList<string> NeverCommanded)
{
    public int DevicesNeverCommanded => NeverCommanded.Count;
}
