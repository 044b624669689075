namespace NfBuild.Simulation;

public enum SimulationScenario
{
    /// <summary>Every device connects to the primary with mTLS, publishes its retained status and one telemetry message.</summary>
    Connect,
    /// <summary>A release in waves (cumulative percentages), each waited for through the retained status, aborted when a wave's failure rate passes the threshold.</summary>
    Rollout,
    /// <summary>Every device's certificate is inside the renewal window: each renews over the primary through the renewal service.</summary>
    Renew,
}

/// <summary>Parameters of <see cref="FleetSimulation.RunAsync"/>.</summary>
public sealed record SimulationOptions
{
    public required string FleetDirectory { get; init; }
    public required int Devices { get; init; }
    public required SimulationScenario Scenario { get; init; }
    public SimulationBackendKind Backend { get; init; } = SimulationBackendKind.Embedded;

    /// <summary>Scheduler threads stepping the devices (and so the most devices in a blocking TLS handshake at once).</summary>
    public int Workers { get; init; } = 32;

    /// <summary>Idle interval of one device's main loop (ms).</summary>
    public int TickMs { get; init; } = 50;

    /// <summary>Threads for bulk provisioning (0 = processor count).</summary>
    public int Parallelism { get; init; }

    /// <summary>Rollout: the release folder (`release create`, already `release publish`ed).</summary>
    public string? ReleaseDirectory { get; init; }

    /// <summary>Rollout: cumulative percentages of the fleet per wave, ascending, the last 100.</summary>
    public IReadOnlyList<int> Waves { get; init; } = [5, 25, 100];

    /// <summary>Rollout: a wave whose failed share (rolled back, rejected, or no answer in time) is above this aborts the rollout.</summary>
    public double AbortFailureRate { get; init; } = 0.2;

    /// <summary>Rollout: the OTA self-test window of the simulated firmware (the product's is 90 s).</summary>
    public int SelfTestSeconds { get; init; } = 20;

    /// <summary>Rollout: how long a wave may take before its silent devices count as failed.</summary>
    public TimeSpan WaveTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long all devices may take to come online.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Renew: how long the whole fleet's renewal (device side and the backend's commits) may take.</summary>
    public TimeSpan RenewTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Connect: raw mutual-TLS handshakes to the primary measured after the connect phase (0 = none).</summary>
    public int Handshakes { get; init; }

    /// <summary>Prefix of the new device ids (default: sim-&lt;6 random hex&gt;); ids are &lt;prefix&gt;-0001 and up and must be new to the fleet.</summary>
    public string? IdPrefix { get; init; }

    /// <summary>One line per progress step and per result.</summary>
    public Action<string> Log { get; init; } = _ => { };
}
