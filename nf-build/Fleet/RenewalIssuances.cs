namespace NfBuild.Fleet;

/// <summary>One certificate the renewal service issued to a device: the renew request it answered and when.</summary>
public sealed record RenewalIssuance(string Request, DateTimeOffset IssuedUtc);

/// <summary>What <see cref="DeviceRegistry.MarkPending(string, string, string, DateTimeOffset, string, IssuanceRules)"/> did.</summary>
public enum IssuanceOutcome
{
    /// <summary>Recorded as pending, with the request id and time on the device's record.</summary>
    Marked,

    /// <summary>The request id is already on the device's record: nothing changed.</summary>
    Replayed,

    /// <summary>The device already had <see cref="IssuanceRules.Limit"/> issuances within the rate window: nothing changed.</summary>
    RateLimited,
}

/// <summary>
/// The renewal service's fleet-wide issuance rules, applied from the registry (shared by every renewal-service instance)
/// inside its locked update, so two instances cannot both pass them for one device.
/// </summary>
/// <param name="RequestId">The renew request the certificate answers.</param>
/// <param name="Now">The service's clock.</param>
/// <param name="Limit">Issuances per device within <paramref name="RateWindow"/>.</param>
/// <param name="RateWindow">The rate limit's sliding window.</param>
/// <param name="Keep">How long an issuance stays on the record (at least the rate window and the replay window); older
/// entries are pruned on the next issuance, so a record holds at most <paramref name="Limit"/> + a few.</param>
public sealed record IssuanceRules(string RequestId, DateTimeOffset Now, int Limit, TimeSpan RateWindow, TimeSpan Keep)
{
    /// <summary>Whether <paramref name="device"/>'s record allows this issuance (the same check the locked update makes).</summary>
    public IssuanceOutcome Check(DeviceRecord device)
    {
        var issued = device.Issuances;
        if (issued is null || issued.Count == 0)
            return Limit > 0 ? IssuanceOutcome.Marked : IssuanceOutcome.RateLimited;
        int inWindow = 0;
        foreach (var i in issued)
        {
            // Whatever its age: the same 128-bit random id again is a replay, never a new request.
            if (string.Equals(i.Request, RequestId, StringComparison.Ordinal))
                return IssuanceOutcome.Replayed;
            if (Now - i.IssuedUtc < RateWindow)
                inWindow++;
        }
        return inWindow >= Limit ? IssuanceOutcome.RateLimited : IssuanceOutcome.Marked;
    }

    /// <summary>The record's issuances without those older than <see cref="Keep"/>, plus this one.</summary>
    internal List<RenewalIssuance> Record(DeviceRecord device)
    {
        var kept = new List<RenewalIssuance>();
        if (device.Issuances is { } issued)
        {
            foreach (var i in issued)
            {
                if (Now - i.IssuedUtc < Keep)
                    kept.Add(i);
            }
        }
        kept.Add(new RenewalIssuance(RequestId, Now));
        return kept;
    }
}
