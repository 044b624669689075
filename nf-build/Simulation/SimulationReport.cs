using NfBuild.Backend;

namespace NfBuild.Simulation;

/// <summary>The connect phase (every scenario starts with it).</summary>
public sealed record ConnectReport(int Devices, int Online, int Publishing, TimeSpan Elapsed, double ConnectsPerSecond, LatencySummary ConnectLatency, LatencySummary TimeToOnline);

/// <summary>Raw mutual-TLS handshakes to the primary (no MQTT), <see cref="Concurrency"/> at a time.</summary>
public sealed record HandshakeReport(int Count, int Failed, int Concurrency, TimeSpan Elapsed, double PerSecond, LatencySummary Latency);

/// <summary>Renewal of every device: device side (new identity committed and back on the primary) and the backend's commits.</summary>
public sealed record RenewReport(int Devices, int Renewed, int Committed, TimeSpan DevicesDone, TimeSpan CommitsDone, double RenewalsPerSecond, LatencySummary Latency);

public sealed record MemoryReport(int Devices, long FlashResidentBytes, long ManagedBytes, long WorkingSetBytes)
{
    public double PerDeviceKb(long bytes) => Devices == 0 ? 0 : bytes / 1024.0 / Devices;
}

public sealed record SimulationReport(SimulationScenario Scenario, string Backend, ProvisioningCost Provisioning, ConnectReport Connect, HandshakeReport? Handshakes,
    RolloutReport? Rollout, RenewReport? Renew, MemoryReport Memory, IReadOnlyList<string> Problems)
{
    public bool Succeeded => Problems.Count == 0;
}
