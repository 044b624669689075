namespace NfBuild.Backend;

/// <summary>Parameters of <see cref="WaveRollout.RunAsync"/>.</summary>
public sealed record WaveRolloutOptions
{
    /// <summary>Cumulative percentages of the devices per wave, ascending, the last 100 (<see cref="WavePlan"/>).</summary>
    public required IReadOnlyList<int> Waves { get; init; }

    /// <summary>A wave whose failed share (rolled back, rejected, failed, no answer in time) is above this aborts the rollout (0..1).</summary>
    public required double AbortFailureRate { get; init; }

    /// <summary>How long a wave may take before its silent devices count as failed (<see cref="WaveOutcome.NoAnswer"/>).</summary>
    public required TimeSpan WaveTimeout { get; init; }

    /// <summary>How long one command's PUBACK may take.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the status subscriptions (one SUBACK per 100 devices) may take.</summary>
    public TimeSpan SubscribeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long after the SUBACKs the retained (earlier) reports may take to arrive before the first command.</summary>
    public TimeSpan RetainedSettle { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws <see cref="BackendException"/> for waves or a rate that make no rollout.</summary>
    public void Check()
    {
        WavePlan.Check(Waves);
        if (AbortFailureRate is < 0 or > 1 || double.IsNaN(AbortFailureRate))
            throw new BackendException("the abort failure rate must be between 0 and 1");
        if (WaveTimeout <= TimeSpan.Zero)
            throw new BackendException("the wave timeout must be positive");
    }
}
