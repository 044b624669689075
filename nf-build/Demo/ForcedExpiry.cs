using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;
using NfBuild.Fleet;
using NfBuild.VirtualDevice;

namespace NfBuild.Demo;

/// <summary>What <see cref="ForcedExpiry.Apply"/> did.</summary>
public sealed record ExpiredIdentity(string PreviousSerial, string ExpiredSerial, DateTimeOffset NotAfter);

/// <summary>
/// Forces the running identity of a device past its notAfter, without touching any clock: the fleet's issuing CA
/// re-issues the device's CURRENT public key with a notAfter in the past (as `fleet add-device --not-after` does for a
/// new device), the registry takes it as current (the renewal service checks proof of possession against it), the
/// previous serial goes on the CRL, and the certificate is written into the device's active identity slot in NVS
/// (a field re-provisioning of the certificate only: the key never leaves the device).
/// <para>Threat: this needs the issuing CA key, which can mint any identity anyway; nothing here gives a device or an
/// attacker anything new. The expired certificate is refused by the primary like any expired one; the device's way
/// back is the ordinary renewal over the fallback (password login, PoP by its key, within the grace period).</para>
/// </summary>
public static class ForcedExpiry
{
    /// <param name="runner">The device, powered down (its main loop stopped): NVS is written through its own mount.</param>
    public static ExpiredIdentity Apply(FleetDirectory fleet, VirtualDeviceRunner runner, DateTimeOffset notAfter)
    {
        var store = runner.Store ?? throw new InvalidOperationException("the device was never booted");
        string id = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.DeviceId) ?? throw new DemoStepException("NVS has no dev_id");
        int slot = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.ActiveIdentity) == "1" ? 1 : 0;
        string certificateKey = IdentityStore.SlotKey(slot, DeviceStoreKeys.CertificateSuffix);
        string pem = store.GetString(DeviceStoreKeys.Namespace, certificateKey) ?? throw new DemoStepException($"NVS has no {certificateKey}");
        using var current = X509Certificate2.CreateFromPem(pem);
        using var publicKey = current.GetECDsaPublicKey() ?? throw new DemoStepException("the device certificate has no EC key");
        var record = fleet.Registry.Get(id) ?? throw new DemoStepException($"device {id} is not registered");
        string previous = CertificateSerials.Of(current);
        if (record.Serial != previous)
            throw new DemoStepException($"the registry's current serial {record.Serial} is not the device's {previous}");

        using var pki = FleetPki.Open(fleet);
        using var expired = pki.IssueDeviceCertificate(id, publicKey, notAfter);
        string serial = CertificateSerials.Of(expired);
        fleet.Registry.MarkPending(id, serial, Convert.ToBase64String(expired.RawData), expired.NotAfter.ToUniversalTime(), record.FallbackPasswordHash);
        fleet.Registry.CommitSerial(id, serial);
        Crl.Revoke(fleet, pki, [previous], FleetPki.Now());
        store.SetString(DeviceStoreKeys.Namespace, certificateKey, expired.ExportCertificatePem() + "\n");
        return new ExpiredIdentity(previous, serial, new DateTimeOffset(expired.NotAfter.ToUniversalTime()));
    }
}
