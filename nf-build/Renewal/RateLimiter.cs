namespace NfBuild.Renewal;

/// <summary>
/// At most N events per device and kind in a sliding window. Threat: a device (or a stolen identity)
/// hammering the service with certificate requests would exhaust serials, flood the registry and hide
/// in the noise; a fleet-wide bug that makes every device renew at once is spread out instead of
/// issuing thousands of certificates in a minute.
/// Per instance: counts requests this instance saw (a cheap first filter, before any ECDSA work). Issuances are also
/// counted from the registry (<see cref="NfBuild.Fleet.IssuanceRules"/>, inside the locked pending write), so the
/// per-device certificate limit holds fleet-wide however many instances run; standing queries stay per instance.
/// </summary>
public sealed class RateLimiter(TimeSpan window)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _events = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public bool TryTake(string key, int limit, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_events.TryGetValue(key, out var times))
                _events[key] = times = new Queue<DateTimeOffset>();
            while (times.Count > 0 && now - times.Peek() >= window)
                times.Dequeue();
            if (times.Count >= limit)
                return false;
            times.Enqueue(now);
            return true;
        }
    }
}
