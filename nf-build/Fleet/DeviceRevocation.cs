namespace NfBuild.Fleet;

/// <summary>
/// <c>fleet revoke</c>: the device's current and pending serials go onto the CRL (re-signed), the
/// registry marks it revoked, and - when a broker admin is wired - its broker user is removed.
/// </summary>
/// <remarks>Threat: a stolen device (or its extracted key) keeps connecting until the brokers refuse
/// it. The CRL stops certificate logins on the primary at the next handshake; the renewal service
/// refuses revoked devices (registry), so the thief cannot renew; the fallback broker uses passwords,
/// not certificates, so its user must be deleted as well - that is what <see cref="IBrokerUserAdmin"/> is for.
/// The CRL is written before the registry, so a crash in between leaves a revoked certificate, never a
/// "revoked" registry entry whose certificate still works; running revoke again completes it.</remarks>
public static class DeviceRevocation
{
    public static RevocationResult Revoke(FleetDirectory fleet, string deviceId, IBrokerUserAdmin? brokerAdmin = null)
    {
        DeviceIds.Validate(deviceId);
        var registry = fleet.Registry;
        DeviceRecord device = registry.Get(deviceId) ?? throw new FleetException($"device '{deviceId}' is not in the registry");
        using var pki = FleetPki.Open(fleet);
        DateTimeOffset now = FleetPki.Now();

        var serials = new List<string> { device.Serial };
        if (device.PendingSerial is not null)
            serials.Add(device.PendingSerial);
        IReadOnlyList<string> added = Crl.Revoke(fleet, pki, serials, now);
        DeviceRecord before = registry.Revoke(deviceId, now);

        bool removed = false;
        if (brokerAdmin is not null)
        {
            brokerAdmin.RemoveUser(deviceId);
            removed = true;
        }
        return new RevocationResult(before.State == DeviceState.Revoked, added, removed);
    }
}
