using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Esp32.Formats.Ota;
using Esp32.Virtual;
using IotDevice.Host.Adapters;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.VirtualDevice;

/// <summary>Provisioning a virtual Lolin32 from a fleet bundle, booting it, and auditing its flash dump.</summary>
public sealed class VirtualProvisionerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFleetBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    /// <summary>Byte strings that must never be readable in a dump of an encrypted device.</summary>
    private IEnumerable<(string What, byte[] Bytes)> Secrets()
    {
        string[] keyLines = _bundle.KeyPem.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        yield return ("key PEM", Encoding.ASCII.GetBytes(keyLines[1]));
        yield return ("key DER", _bundle.KeyDer);
        using ECDsa key = _bundle.Certificate.GetECDsaPrivateKey()!;
        yield return ("private scalar", key.ExportParameters(true).D!);
        yield return ("fallback password", Encoding.ASCII.GetBytes(_bundle.FallbackPassword));
        yield return ("certificate PEM", Encoding.ASCII.GetBytes(_bundle.CertificatePem.Split('\n')[1]));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Fact]
    public void Provision_BootsWithFlashAndNvsEncryption_AndTheStoreReadsTheBundle()
    {
        string dir = _bundle.NewOutputDirectory();

        var result = VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir);

        Assert.True(result.Encrypted);
        Assert.True(File.Exists(Path.Combine(dir, "flash.bin")));
        Assert.True(File.Exists(Path.Combine(dir, "efuses.json")));
        Assert.Equal(["efuses.json", "flash.bin"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());

        // A fresh load from the two files, as `device run` does.
        VirtualEsp32 device = VirtualProvisioner.Load(dir);
        Assert.True(device.Efuses.FlashEncryptionEnabled);
        Assert.Equal(Esp32.Formats.Efuse.Esp32FlashEncryptionMode.Development, device.Efuses.FlashEncryptionMode);
        Assert.True(device.Settings.NvsEncryption);
        BootReport boot = device.PowerOn();
        Assert.False(boot.EncryptedOnThisBoot); // the image was encrypted on the host; the bootloader found it so
        Assert.Equal(AppSlot.Ota(0), boot.RunningSlot);
        Assert.Equal("1.0.0", boot.RunningVersion);

        var store = new VirtualNvsSecureStore(device.MountNvs());
        Assert.Equal(_bundle.DeviceId, store.GetString("iotdev", "dev_id"));
        Assert.Equal("0", store.GetString("iotdev", "id_act"));
        Assert.Equal(_bundle.CertificatePem, store.GetString("iotdev", "id0_crt"));
        Assert.Equal(_bundle.ChainPem, store.GetString("iotdev", "id0_chain"));
        Assert.Equal(_bundle.KeyPem, store.GetString("iotdev", "id0_key"));
        Assert.Equal(_bundle.FallbackPassword, store.GetString("iotdev", "id0_fbpw"));
        Assert.Equal(_bundle.Pki.RootPem, store.GetString("iotdev", "ca_0"));
        Assert.Equal("localhost:18883", store.GetString("iotdev", "ep_primary"));
        Assert.Null(store.GetString("iotdev", "id1_crt"));

        // The stored key is the certificate's key: the device can prove its identity.
        var keys = new HostDeviceKeys(store);
        Assert.Equal(_bundle.Certificate.PublicKey.ExportSubjectPublicKeyInfo(), keys.GetPublicKey("id0_key"));
        byte[] data = Encoding.UTF8.GetBytes("pop");
        Assert.True(new HostCrypto().VerifyEcdsaP256Sha256(keys.GetPublicKey("id0_key"), data, 0, data.Length, keys.Sign("id0_key", data)));
    }

    [Fact]
    public void EncryptedFlashDump_ContainsNoSecret_WhilePlaintextProvisioningShowsThemAll()
    {
        string encrypted = _bundle.NewOutputDirectory();
        string plain = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, encrypted);
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, plain, new ProvisionOptions { Encrypt = false });
        byte[] encryptedDump = File.ReadAllBytes(Path.Combine(encrypted, "flash.bin"));
        byte[] plainDump = File.ReadAllBytes(Path.Combine(plain, "flash.bin"));

        foreach (var (what, bytes) in Secrets())
        {
            bool inEncrypted = Contains(encryptedDump, bytes), inPlain = Contains(plainDump, bytes);
            output.WriteLine($"{what}: encrypted dump {(inEncrypted ? "CONTAINS" : "clean")}, plaintext dump {(inPlain ? "contains" : "clean")}");
            Assert.False(inEncrypted, $"{what} readable in the encrypted device's flash.bin");
            if (what is not ("key DER" or "private scalar")) // the NVS holds the PEM text, not DER
                Assert.True(inPlain, $"{what} should be readable in the --no-encryption control");
        }
        // The control device boots too, without any encryption.
        var device = VirtualProvisioner.Load(plain);
        Assert.False(device.Efuses.FlashEncryptionEnabled);
        Assert.Equal("1.0.0", device.PowerOn().RunningVersion);
        Assert.Equal(_bundle.KeyPem, new VirtualNvsSecureStore(device.MountNvs()).GetString("iotdev", "id0_key"));
        // Nor is the app readable in the encrypted dump (the placeholder's marker string).
        Assert.False(Contains(encryptedDump, Encoding.ASCII.GetBytes("IotDevice nanoCLR placeholder")));
        Assert.True(Contains(plainDump, Encoding.ASCII.GetBytes("IotDevice nanoCLR placeholder")));
    }

    [Fact]
    public void EachProvisioning_GeneratesItsOwnFlashEncryptionKey()
    {
        string a = _bundle.NewOutputDirectory(), b = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, a);
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, b);
        var keyA = VirtualProvisioner.Load(a).Efuses.GetHardwareFlashEncryptionKey();
        var keyB = VirtualProvisioner.Load(b).Efuses.GetHardwareFlashEncryptionKey();
        Assert.NotEqual(keyA, keyB);
        // Software on the chip cannot read BLOCK1 (read-protected): it reads as zeros.
        Assert.All(VirtualProvisioner.Load(a).Efuses.ReadBlock1(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void Provision_Rejects_BadIdMissingBundleAndAnOccupiedFolder()
    {
        Assert.Throws<ArgumentException>(() => VirtualProvisioner.Provision(_bundle.FleetDirectory, "Dev/1", _bundle.NewOutputDirectory()));
        Assert.Throws<FileNotFoundException>(() => VirtualProvisioner.Provision(_bundle.FleetDirectory, "dev-0002", _bundle.NewOutputDirectory()));
        string dir = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir);
        byte[] before = File.ReadAllBytes(Path.Combine(dir, "flash.bin"));
        Assert.Throws<IOException>(() => VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "flash.bin")));
    }

    [Fact]
    public void EmbeddedPartitionTable_IsTheRepositorysPartitionsCsv()
    {
        var embedded = VirtualProvisioner.ProductTable();
        var repo = NfBuild.Tests.Virtual.TestDevices.ProductTable;
        Assert.Equal(repo.ToBinary(), embedded.ToBinary());
    }
}
