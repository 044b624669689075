namespace NfBuild.Renewal;

/// <summary>The renewal authority's limits; the defaults suit a fleet, tests shorten them.</summary>
public sealed class RenewalAuthorityOptions
{
    /// <summary>
    /// How far a request's time may be from the service's clock. Together with <see cref="ReplayGuard"/> it
    /// bounds replay: an id is remembered for this long, and an older request is refused as stale.
    /// </summary>
    public TimeSpan Freshness { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Certificate requests (kind=renew) one device may make per <see cref="RateWindow"/>: per instance for requests
    /// seen, and fleet-wide (counted from the registry) for certificates issued.</summary>
    public int RenewRequestsPerWindow { get; init; } = 3;

    /// <summary>Standing queries one device may make per <see cref="RateWindow"/>.</summary>
    public int StandingRequestsPerWindow { get; init; } = 10;

    public TimeSpan RateWindow { get; init; } = TimeSpan.FromHours(1);
}
