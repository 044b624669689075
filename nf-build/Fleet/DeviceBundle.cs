using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// devices/&lt;id&gt;/: everything needed to provision one device - its certificate and key, the
/// fallback password, the CA certificates, the Wi-Fi password if given, and nvs.csv, whose <c>file</c>
/// rows reference these files by relative path.
/// </summary>
/// <remarks>Threat: the bundle holds the device's private key and fallback password; anyone who reads
/// it can impersonate the device on both brokers until it is revoked. The folder is 0700 and its secret
/// files 0600, and it should be deleted once the device is provisioned (the fleet keeps no copy: the
/// registry holds only the certificate and the password hash).</remarks>
public sealed class DeviceBundle
{
    public const string CertificateFile = "device.pem";
    public const string KeyFile = "device.key";
    public const string FallbackPasswordFile = "fallback-password";
    public const string WifiPasswordFile = "wifi-password";
    public const string RootCaFile = "root-ca.pem";
    public const string ReleasePublicKeyFile = "release.pub.pem";
    public const string ChainFile = "issuing-ca.pem";
    public const string NvsCsvFile = "nvs.csv";

    private DeviceBundle(string deviceId, string directory)
    {
        DeviceId = deviceId;
        Directory = directory;
    }

    public string DeviceId { get; }
    public string Directory { get; }
    public string NvsCsv => Path.Combine(Directory, NvsCsvFile);

    /// <summary>Opens an existing bundle.</summary>
    public static DeviceBundle Open(FleetDirectory fleet, string deviceId)
    {
        string dir = fleet.DeviceBundleDirectory(deviceId);
        if (!System.IO.Directory.Exists(dir))
            throw new FleetException($"no provisioning bundle for '{deviceId}' at {dir} (deleted after provisioning?)");
        return new DeviceBundle(deviceId, dir);
    }

    /// <summary>The SEC1 PEM private key.</summary>
    public string ReadPrivateKeyPem() => SecureFiles.ReadText(Path.Combine(Directory, KeyFile), "device key");

    public string ReadFallbackPassword() => SecureFiles.ReadText(Path.Combine(Directory, FallbackPasswordFile), "fallback password file");

    /// <summary>The Wi-Fi password, or null when the bundle has none.</summary>
    public string? ReadWifiPassword()
    {
        string path = Path.Combine(Directory, WifiPasswordFile);
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
    }

    /// <summary>Writes a complete bundle into <paramref name="directory"/> (an empty staging folder).</summary>
    internal static void Write(string directory, DeviceBundleContents c)
    {
        SecureFiles.WritePublic(Path.Combine(directory, CertificateFile), c.CertificatePem);
        SecureFiles.WriteSecret(Path.Combine(directory, KeyFile), c.PrivateKeyPem);
        // No trailing newline in the password files: nvs.csv's file rows store the bytes as they are.
        SecureFiles.WriteSecret(Path.Combine(directory, FallbackPasswordFile), c.FallbackPassword);
        if (c.WifiPassword is not null)
            SecureFiles.WriteSecret(Path.Combine(directory, WifiPasswordFile), c.WifiPassword);
        SecureFiles.WritePublic(Path.Combine(directory, RootCaFile), c.RootCaPem);
        SecureFiles.WritePublic(Path.Combine(directory, ChainFile), c.IssuingCaPem);
        if (c.ReleasePublicKeyPem is not null)
            SecureFiles.WritePublic(Path.Combine(directory, ReleasePublicKeyFile), c.ReleasePublicKeyPem);
        SecureFiles.WritePublic(Path.Combine(directory, NvsCsvFile), DeviceNvsCsv.Build(c));
    }
}
