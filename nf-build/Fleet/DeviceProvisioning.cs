using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// <c>fleet add-device</c>: a new key pair and certificate, a fallback password, the registry entry and
/// the provisioning bundle. The bundle is built in a staging folder and moved into place only after the
/// registry accepted the device, so a failure leaves neither a bundle without a registry entry nor a
/// half-written bundle.
/// </summary>
public static class DeviceProvisioning
{
    public static AddDeviceResult AddDevice(FleetDirectory fleet, AddDeviceOptions options)
    {
        string id = options.DeviceId;
        DeviceIds.Validate(id);
        ValidateWifi(options);
        var registry = fleet.Registry;
        if (registry.Get(id) is not null)
            throw new FleetException($"device '{id}' is already in the registry");
        string bundleDir = fleet.DeviceBundleDirectory(id);
        if (Path.Exists(bundleDir))
            throw new FleetException($"bundle folder {bundleDir} already exists; remove it first");

        using var pki = FleetPki.Open(fleet);
        DateTimeOffset now = FleetPki.Now();
        Crl.Refresh(fleet, pki, now);

        // Threat: the device key is generated here, on the provisioning host, and leaves it only inside
        // the bundle (0600) and the device's encrypted NVS. The fleet keeps no copy.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 cert = pki.IssueDeviceCertificate(id, key, options.NotAfter);
        string password = FallbackPasswords.Generate();

        var record = new DeviceRecord
        {
            Id = id,
            Serial = CertificateSerials.Of(cert),
            Serials = [CertificateSerials.Of(cert)],
            NotAfter = cert.NotAfter.ToUniversalTime(),
            State = DeviceState.Active,
            FallbackPasswordHash = FallbackPasswords.Hash(password),
            AddedUtc = now,
            Certificate = Convert.ToBase64String(cert.RawData),
        };
        var contents = new DeviceBundleContents(
            id,
            cert.ExportCertificatePem() + "\n",
            key.ExportECPrivateKeyPem() + "\n",
            password,
            pki.RootCa.ExportCertificatePem() + "\n",
            pki.IssuingCa.ExportCertificatePem() + "\n",
            fleet.Settings.PrimaryEndpoints,
            fleet.Settings.FallbackEndpoints,
            now,
            options.WifiSsid,
            options.WifiPassword,
            // The fleet's release public key (`release keygen`), when there is one: the device's NVS rel_pubkey.
            File.Exists(fleet.ReleasePublicKeyFile) ? File.ReadAllText(fleet.ReleasePublicKeyFile) : null);

        string staging = Path.Combine(fleet.DevicesDirectory, "." + id + ".new-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            SecureFiles.CreateDirectory(fleet.DevicesDirectory, SecureFiles.SecretDirectory);
            SecureFiles.CreateDirectory(staging, SecureFiles.SecretDirectory);
            DeviceBundle.Write(staging, contents);
            registry.Add(record);
            Directory.Move(staging, bundleDir);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
        return new AddDeviceResult(record, bundleDir);
    }

    private static void ValidateWifi(AddDeviceOptions options)
    {
        if (options.WifiSsid is { } ssid)
        {
            int bytes = Encoding.UTF8.GetByteCount(ssid);
            if (bytes is < 1 or > 32 || ssid.Any(char.IsControl))
                throw new FleetException("--wifi-ssid must be 1..32 bytes of UTF-8 without control characters");
        }
        if (options.WifiPassword is { } pass)
        {
            // WPA2-PSK: a passphrase of 8..63 printable ASCII characters or 64 hex digits.
            bool passphrase = pass.Length is >= 8 and <= 63 && pass.All(c => c is >= ' ' and <= '~');
            bool psk = pass.Length == 64 && pass.All(Uri.IsHexDigit);
            if (!passphrase && !psk)
                throw new FleetException("--wifi-pass must be 8..63 printable ASCII characters or 64 hex digits (WPA2)");
            if (options.WifiSsid is null)
                throw new FleetException("--wifi-pass needs --wifi-ssid");
        }
    }
}
