namespace NfBuild.Fleet;

/// <summary>Outcome of <see cref="DeviceRevocation.Revoke"/>.</summary>
/// <param name="AlreadyRevoked">The registry already had the device revoked (the CRL was checked again).</param>
/// <param name="SerialsAdded">Serials newly put on the CRL.</param>
/// <param name="BrokerUserRemoved">A broker admin was wired and removed the device's user.</param>
public sealed record RevocationResult(bool AlreadyRevoked, IReadOnlyList<string> SerialsAdded, bool BrokerUserRemoved);
