using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>What `release rollout` in waves did: the report, the primary endpoint used, whether the operator identity was made.</summary>
public sealed record FleetRolloutResult(RolloutReport Report, string Endpoint, bool OperatorCreated);

/// <summary>
/// `release rollout` in waves on the fleet's real devices: the targets from the registry (<see cref="RolloutTargets"/>),
/// the release verified and its published copy checked (<see cref="ReleaseRollout.VerifyPublished"/>), then one
/// <see cref="OperatorSession"/> on the first primary endpoint that accepts it runs <see cref="WaveRollout"/>.
/// Threat: as <see cref="ReleaseRollout"/>: the command only names a URL, the signed manifest decides what is installed;
/// the checks keep the operator from pointing devices at an unpublished or altered release.
/// </summary>
public static class FleetRollout
{
    public static async Task<FleetRolloutResult> RunAsync(FleetRolloutOptions o, CancellationToken cancel = default)
    {
        var fleet = FleetDirectory.Open(o.FleetDirectory);
        // Input first (cheap, the user's mistake), then the release, then the network.
        var targets = RolloutTargets.Resolve(fleet, o.DeviceIds, o.All);
        o.Waves.Check();
        var (verification, manifestUrl) = ReleaseRollout.VerifyPublished(fleet, o.ReleaseDirectory);
        bool created = FleetOperator.Ensure(fleet);
        await using var op = await ConnectAsync(fleet, o.ConnectTimeout, cancel).ConfigureAwait(false);
        var report = await WaveRollout.RunAsync(op, targets, manifestUrl, verification.Manifest.Version, o.Waves, o.Log, cancel).ConfigureAwait(false);
        return new FleetRolloutResult(report, op.Endpoint, created);
    }

    private static async Task<OperatorSession> ConnectAsync(FleetDirectory fleet, TimeSpan timeout, CancellationToken cancel)
    {
        var errors = new List<string>();
        foreach (string endpoint in fleet.Settings.PrimaryEndpoints)
        {
            try
            {
                return await OperatorSession.ConnectAsync(fleet, endpoint, timeout, cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                errors.Add($"{endpoint}: {ex.Message}");
            }
        }
        if (fleet.Settings.PrimaryEndpoints.Count == 0)
            errors.Add("fleet.json has no primaryEndpoints");
        throw new BackendException($"no primary endpoint accepted the operator: {string.Join("; ", errors)}; no device got a command");
    }
}
