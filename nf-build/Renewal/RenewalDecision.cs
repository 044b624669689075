namespace NfBuild.Renewal;

/// <summary>What the authority did with one message, for the service's log (never contains a secret).</summary>
public sealed record RenewalDecision(string DeviceId, string Kind, string Status, string Reason, string? IssuedSerial = null)
{
    public override string ToString() =>
        $"{DeviceId}: {Kind} -> {Status}{(Reason == "none" ? "" : " (" + Reason + ")")}{(IssuedSerial is null ? "" : " serial " + IssuedSerial)}";
}
