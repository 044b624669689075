using System.Security.Cryptography;
using IotDevice.Core.Updates;
using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// `release verify`: everything the device will check, before anyone publishes: the signature under the fleet's
/// release key (through the firmware's own <see cref="ReleaseSignature.VerifyAndParse"/>), the manifest's strict
/// format, each shipped part's size and SHA-256, the app image's header, checksum and hash, and that the image's
/// esp_app_desc_t.secure_version is the manifest's. Throws <see cref="ReleaseException"/> with the first reason.
/// </summary>
public static class ReleaseVerifier
{
    public static ReleaseVerification Verify(string releaseDir, string fleetDir)
    {
        var fleet = FleetDirectory.Open(fleetDir);
        string dir = Path.GetFullPath(releaseDir);
        if (!Directory.Exists(dir))
            throw new ReleaseException($"release directory '{dir}' does not exist");
        byte[] manifestBytes = ReadFile(dir, ReleasePaths.ManifestFile);
        byte[] signature = ReadFile(dir, ReleasePaths.SignatureFile);
        byte[] spki = ReleaseKey.LoadPublicSpki(fleet.Root);
        var checkedItems = new List<string>();
        ReleaseManifest manifest;
        try
        {
            manifest = ReleaseSignature.VerifyAndParse(new DotNetCrypto(), spki, manifestBytes, signature);
        }
        catch (ReleaseManifestException ex)
        {
            throw new ReleaseException($"{Path.Combine(dir, ReleasePaths.ManifestFile)}: {ex.Word}: {ex.Message}");
        }
        checkedItems.Add($"signature: valid under {ReleasePaths.PublicKey(fleet.Root)}");
        if (manifest.Board != ReleasePaths.Board)
            throw new ReleaseException($"manifest board '{manifest.Board}' is not '{ReleasePaths.Board}'");

        byte[]? app = CheckPart(dir, manifest.App, ReleasePaths.AppFile, checkedItems);
        CheckPart(dir, manifest.Deploy, ReleasePaths.DeployFile, checkedItems);
        if (app is not null)
        {
            var description = AppImageCheck.Check(app, Path.Combine(dir, ReleasePaths.AppFile));
            if (description.SecureVersion != (uint)manifest.SecureVersion)
                throw new ReleaseException($"manifest secure-version {manifest.SecureVersion} does not match the app image's esp_app_desc_t.secure_version {description.SecureVersion}");
            checkedItems.Add($"app image: valid ESP32 image, esp_app_desc_t version '{description.Version}', secure_version {description.SecureVersion}");
        }
        return new ReleaseVerification(manifest, manifestBytes, checkedItems);
    }

    private static byte[]? CheckPart(string dir, ReleasePart part, string file, List<string> checkedItems)
    {
        string path = Path.Combine(dir, file);
        if (part.Reuse)
        {
            // Threat: a file beside a reused part would be served but never installed; refusing it keeps what is
            // published equal to what the manifest says.
            if (File.Exists(path))
                throw new ReleaseException($"{path} exists but the manifest reuses the running {part.Name} ({part.Name}-reuse=1)");
            checkedItems.Add($"{part.Name}: reused from the running slot ({part.Size} bytes, sha256 {part.Sha256Hex})");
            return null;
        }
        if (!File.Exists(path))
            throw new ReleaseException($"{path} is missing (the manifest names {part.Url})");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != part.Size)
            throw new ReleaseException($"{path} is {bytes.Length} bytes, the manifest says {part.Size}");
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != part.Sha256Hex)
            throw new ReleaseException($"{path} has SHA-256 {sha}, the manifest says {part.Sha256Hex}");
        checkedItems.Add($"{part.Name}: {part.Size} bytes, sha256 {sha}, {part.Url}");
        return bytes;
    }

    private static byte[] ReadFile(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        if (!File.Exists(path))
            throw new ReleaseException($"{path} does not exist");
        return File.ReadAllBytes(path);
    }
}
