namespace NfBuild.Fleet;

/// <summary>A plaintext occurrence of a secret in a flash dump.</summary>
/// <param name="Offset">Flash address of the first byte.</param>
/// <param name="Length">Bytes matched.</param>
/// <param name="Secret">Which needle matched (e.g. "private key PEM (SEC1)").</param>
/// <param name="Partition">The partition holding <paramref name="Offset"/>, "outside any partition",
/// or "unknown partition" when no partition table could be read.</param>
public sealed record AuditFinding(long Offset, int Length, string Secret, string Partition);
