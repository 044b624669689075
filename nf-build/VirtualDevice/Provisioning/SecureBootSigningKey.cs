using System.Security.Cryptography;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>
/// The fleet's secure boot v2 signing key: RSA-3072 in PEM (PKCS#1 "RSA PRIVATE KEY", what
/// <c>espsecure generate-signing-key --version 2 --scheme rsa3072</c> writes) at <c>&lt;fleet&gt;/secure_boot/signing_key.pem</c>,
/// created on first use with mode 0600.
/// </summary>
/// <remarks>Threat: whoever holds this file can sign bootloaders and apps every secure-boot device of the fleet will run,
/// and the ESP32 has room for one key digest only, so a leaked key cannot be revoked. Keep it off shared machines and out
/// of version control; back it up offline (losing it means no further updates for those devices).</remarks>
public static class SecureBootSigningKey
{
    public const string FileName = "signing_key.pem";

    /// <summary><c>&lt;fleet&gt;/secure_boot/signing_key.pem</c>.</summary>
    public static string DefaultPath(string fleetDirectory) => Path.Combine(fleetDirectory, "secure_boot", FileName);

    /// <summary>Loads the key, generating and saving it (0600) when the file does not exist yet. Returns whether it was created.</summary>
    public static (RSA Key, bool Created) LoadOrCreate(string path)
    {
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
            if (rsa.KeySize != 3072)
                throw new Esp32.Formats.Esp32FormatException($"{path}: secure boot v2 needs an RSA-3072 key, this one has {rsa.KeySize} bits");
            return (rsa, false);
        }
        rsa.KeySize = 3072;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(rsa.ExportRSAPrivateKeyPem());
        return (rsa, true);
    }
}
