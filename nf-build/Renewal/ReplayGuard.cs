namespace NfBuild.Renewal;

/// <summary>
/// Request ids seen within the freshness window. Threat: someone who recorded a device's request (a
/// broker operator, a log) replays it to make the service issue again or to burn the device's rate
/// limit; a remembered id is refused, and a request older than the window is refused as stale, so the
/// memory needed is bounded by the window, and a service restart opens no replay window beyond it
/// (a request id is 128 random bits, so a collision between honest requests does not happen).
/// Per instance: the cheap first filter (it also covers standing queries, which write nothing). For certificate
/// requests the authority is the registry: the ids issued for are kept on the device's record and checked inside the
/// locked pending write, so a replay to ANOTHER instance, or a redelivery after an instance died, issues nothing
/// (<see cref="NfBuild.Fleet.IssuanceRules"/>).
/// </summary>
public sealed class ReplayGuard(TimeSpan window)
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Records <paramref name="deviceId"/>/<paramref name="requestId"/>; false when it was seen within the window.</summary>
    public bool TryRecord(string deviceId, string requestId, DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var stale in _seen.Where(e => now - e.Value > window).Select(e => e.Key).ToList())
                _seen.Remove(stale);
            return _seen.TryAdd(deviceId + "/" + requestId, now);
        }
    }
}
