using IotDevice.Core.Updates;

namespace NfBuild.Backend;

/// <summary>One device's outcome in a wave: confirmed, already-running, rolled-back, rejected:&lt;reason&gt;, failed…, or no-answer.</summary>
public sealed record DeviceOutcome(string DeviceId, string Outcome)
{
    public bool Confirmed => WaveOutcome.IsSuccess(Outcome);
}
