namespace NfBuild.Backend;

/// <summary>Parameters of <see cref="FleetRollout.RunAsync"/>.</summary>
public sealed record FleetRolloutOptions
{
    public required string FleetDirectory { get; init; }

    /// <summary>The release folder (`release create`); the same release must be published (`release publish`).</summary>
    public required string ReleaseDirectory { get; init; }

    /// <summary>The devices to update, in order (empty with <see cref="All"/>).</summary>
    public IReadOnlyList<string> DeviceIds { get; init; } = [];

    /// <summary>Every active device of the registry, in registry order.</summary>
    public bool All { get; init; }

    public required WaveRolloutOptions Waves { get; init; }

    /// <summary>How long connecting to a primary endpoint may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>One line per wave (commands sent, then its result).</summary>
    public Action<string> Log { get; init; } = _ => { };
}
