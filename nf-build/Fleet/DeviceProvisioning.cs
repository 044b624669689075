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

    /// <summary>
    /// <c>add-device</c> for many devices at once (a fleet simulation, a production batch): keys and certificates are made
    /// in parallel (<paramref name="parallelism"/> threads, each with its own handle on the issuing CA key), the CRL is
    /// refreshed once, the bundles are written in staging folders, and the registry takes all records in ONE locked
    /// update (<see cref="DeviceRegistry.AddRange"/>, which also refuses serial collisions within the batch) before the
    /// bundles move into place. Either every device is added or none (a failure before the registry update leaves no
    /// entry and no bundle).
    /// </summary>
    public static IReadOnlyList<AddDeviceResult> AddDevices(FleetDirectory fleet, IReadOnlyList<AddDeviceOptions> batch, int parallelism = 0)
    {
        if (parallelism <= 0)
            parallelism = Environment.ProcessorCount;
        var known = fleet.Registry.Load();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var options in batch)
        {
            DeviceIds.Validate(options.DeviceId);
            ValidateWifi(options);
            if (!seen.Add(options.DeviceId))
                throw new FleetException($"device '{options.DeviceId}' appears twice in the batch");
            if (known.Get(options.DeviceId) is not null)
                throw new FleetException($"device '{options.DeviceId}' is already in the registry");
            if (Path.Exists(fleet.DeviceBundleDirectory(options.DeviceId)))
                throw new FleetException($"bundle folder {fleet.DeviceBundleDirectory(options.DeviceId)} already exists; remove it first");
        }
        DateTimeOffset now = FleetPki.Now();
        using (var pki = FleetPki.Open(fleet))
            Crl.Refresh(fleet, pki, now);
        string? releaseKey = File.Exists(fleet.ReleasePublicKeyFile) ? File.ReadAllText(fleet.ReleasePublicKeyFile) : null;
        SecureFiles.CreateDirectory(fleet.DevicesDirectory, SecureFiles.SecretDirectory);

        var records = new DeviceRecord[batch.Count];
        var staging = new string?[batch.Count];
        try
        {
            Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, () => FleetPki.Open(fleet), (i, _, pki) =>
            {
                var options = batch[i];
                string id = options.DeviceId;
                // Threat: as in AddDevice, the key leaves this process only inside the bundle (0600) and the device's encrypted NVS.
                using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                using X509Certificate2 cert = pki.IssueDeviceCertificate(id, key, options.NotAfter);
                string password = FallbackPasswords.Generate();
                records[i] = new DeviceRecord
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
                var contents = new DeviceBundleContents(id, cert.ExportCertificatePem() + "\n", key.ExportECPrivateKeyPem() + "\n", password,
                    pki.RootCa.ExportCertificatePem() + "\n", pki.IssuingCa.ExportCertificatePem() + "\n",
                    fleet.Settings.PrimaryEndpoints, fleet.Settings.FallbackEndpoints, now, options.WifiSsid, options.WifiPassword, releaseKey);
                string dir = Path.Combine(fleet.DevicesDirectory, "." + id + ".new-" + Guid.NewGuid().ToString("N")[..8]);
                staging[i] = dir;
                SecureFiles.CreateDirectory(dir, SecureFiles.SecretDirectory);
                DeviceBundle.Write(dir, contents);
                return pki;
            }, pki => pki.Dispose());
            fleet.Registry.AddRange(records);
            var results = new AddDeviceResult[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                string bundleDir = fleet.DeviceBundleDirectory(batch[i].DeviceId);
                Directory.Move(staging[i]!, bundleDir);
                staging[i] = null;
                results[i] = new AddDeviceResult(records[i], bundleDir);
            }
            return results;
        }
        finally
        {
            foreach (var dir in staging)
                if (dir is not null && Directory.Exists(dir))
                    Directory.Delete(dir, recursive: true);
        }
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
