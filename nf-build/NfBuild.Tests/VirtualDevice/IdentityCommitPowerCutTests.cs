using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Esp32.Formats.Efuse;
using Esp32.Formats.Flash;
using Esp32.Virtual;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;
using IotDevice.Host.Adapters;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.VirtualDevice;

/// <summary>
/// The core's IdentityStore renewal ("generate key in the inactive slot, write the inactive slot, commit
/// id_act") on the REAL virtual NVS of a provisioned, flash- and NVS-encrypted device, with power cut at
/// every single flash write/erase of the sequence: after each cut the device reboots, remounts NVS and
/// must come up with a complete, consistent, usable identity - the old one or the new one.
/// </summary>
public sealed class IdentityCommitPowerCutTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFleetBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private sealed class Log : IDeviceLog
    {
        public void Info(string line) { }
    }

    private sealed record Renewal(string? Serial, string? Password);

    /// <summary>One renewal as the RenewalClient performs it: key in the inactive slot, CSR, certificate, write, commit.</summary>
    private Renewal Renew(VirtualNvsSecureStore store, Action<string, string> issued)
    {
        var identities = new IdentityStore(store, new Log());
        identities.Load();
        var keys = new HostDeviceKeys(store);
        string keyName = identities.InactiveKeyName;
        keys.GenerateKey(keyName);
        byte[] csr = keys.CreateCertificateRequest(keyName, _bundle.DeviceId);
        using X509Certificate2 cert = Issue(csr);
        string serial = cert.SerialNumber.ToLowerInvariant();
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        issued(serial, password);
        identities.WriteInactive(cert.ExportCertificatePem() + "\n", _bundle.ChainPem, password);
        identities.Commit();
        return new Renewal(serial, password);
    }

    private X509Certificate2 Issue(byte[] csr)
    {
        var request = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(NfBuild.Tests.HostAdapters.TestPki.ClientAuth)], false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return request.Create(_bundle.Pki.Issuing, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(365), serial);
    }

    /// <summary>The identity the device boots with: complete, key matching certificate, signature verifies.</summary>
    private (int Slot, string Serial, string Password) AssertUsableIdentity(VirtualNvsSecureStore store, string context)
    {
        var identities = new IdentityStore(store, new Log());
        identities.Load();
        DeviceIdentity? active = identities.Active;
        Assert.True(active is not null, $"{context}: no usable identity after the reboot");
        using var cert = X509Certificate2.CreateFromPem(active!.CertificatePem);
        var keys = new HostDeviceKeys(store);
        Assert.True(cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(keys.GetPublicKey(active.KeyName)),
            $"{context}: slot {active.Slot} key does not match its certificate");
        Assert.Equal(_bundle.ChainPem, active.ChainPem);
        byte[] probe = Encoding.UTF8.GetBytes("proof of possession " + context);
        Assert.True(new HostCrypto().VerifyEcdsaP256Sha256(cert.PublicKey.ExportSubjectPublicKeyInfo(), probe, 0, probe.Length, keys.Sign(active.KeyName, probe)), context);
        // It chains to the pinned root, as the broker will check.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_bundle.Pki.Root);
        chain.ChainPolicy.ExtraStore.Add(_bundle.Pki.Issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cert), context + ": active certificate does not chain to the root");
        Assert.Equal(active.Slot.ToString(), store.GetString("iotdev", "id_act") ?? active.Slot.ToString());
        return (active.Slot, cert.SerialNumber.ToLowerInvariant(), active.FallbackPassword);
    }

    [Theory]
    [InlineData(1)] // first renewal: slot 0 -> empty slot 1
    [InlineData(2)] // second renewal: slot 1 -> slot 0, overwriting the provisioned identity
    public void PowerCutAtEveryFlashOperationOfARenewal_LeavesTheOldOrTheNewIdentity(int renewalNumber)
    {
        string dir = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir);
        var reference = VirtualProvisioner.Load(dir);
        reference.PowerOn();
        var referenceStore = new VirtualNvsSecureStore(reference.MountNvs());
        for (int i = 1; i < renewalNumber; i++)
            Renew(referenceStore, (_, _) => { });
        var old = AssertUsableIdentity(referenceStore, "baseline");
        byte[] baseline = reference.Flash.Dump();
        string efuses = Esp32EfuseFile.ToJson(reference.Efuses);
        VirtualEsp32 Fresh() => new(FlashChip.FromImage((byte[])baseline.Clone()), Esp32EfuseFile.FromJson(efuses), SecuritySettings.Secure);

        // Count the flash operations of one complete renewal.
        var probe = Fresh();
        probe.PowerOn();
        var probeStore = new VirtualNvsSecureStore(probe.MountNvs());
        probe.Flash.Io.ResetCount();
        Renew(probeStore, (_, _) => { });
        int operations = probe.Flash.Io.OperationCount;
        Assert.True(operations >= 5, $"a renewal took only {operations} flash operations");

        int sawOld = 0, sawNew = 0;
        for (int cut = 1; cut <= operations; cut++)
        {
            var device = Fresh();
            device.PowerOn();
            var store = new VirtualNvsSecureStore(device.MountNvs());
            string? newSerial = null, newPassword = null;
            device.CutPowerAfter(cut);
            Assert.Throws<PowerCutException>(() => Renew(store, (s, p) => (newSerial, newPassword) = (s, p)));

            device.PowerOn(); // power back: bootloader, remount
            var after = AssertUsableIdentity(new VirtualNvsSecureStore(device.MountNvs()), $"cut at operation {cut} of {operations}");
            if (after.Serial == old.Serial)
            {
                Assert.Equal(old.Slot, after.Slot);
                Assert.Equal(old.Password, after.Password);
                sawOld++;
            }
            else
            {
                Assert.Equal(newSerial, after.Serial);
                Assert.Equal(newPassword, after.Password);
                Assert.NotEqual(old.Slot, after.Slot);
                sawNew++;
            }
        }

        // Without a cut the renewal completes and the new identity is active.
        var whole = Fresh();
        whole.PowerOn();
        var renewed = Renew(new VirtualNvsSecureStore(whole.MountNvs()), (_, _) => { });
        whole.PowerOn();
        Assert.Equal(renewed.Serial, AssertUsableIdentity(new VirtualNvsSecureStore(whole.MountNvs()), "no cut").Serial);

        output.WriteLine($"renewal {renewalNumber}: {operations} flash writes/erases, {operations} cut points covered: {sawOld} came back with the old identity, {sawNew} with the new one");
        Console.WriteLine($"POWERCUT identity-commit renewal={renewalNumber} cutpoints={operations} old={sawOld} new={sawNew}");
        Assert.True(sawOld > 0);
    }
}
