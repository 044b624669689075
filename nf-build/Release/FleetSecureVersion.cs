using System.Globalization;
using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// The fleet's current secure_version: <c>release/secure-version</c>, one decimal line, 0 when absent.
/// Threat: every raise burns one more bit of each device's 32-bit anti-rollback eFuse for good (the bootloader
/// then refuses every older image, including the rollback target of a bad update). So a raise is never implicit:
/// `release create` refuses a higher secure_version than recorded unless told --bump-secure-version, and a lower
/// one always (devices that burned the higher value would refuse it after download).
/// </summary>
public static class FleetSecureVersion
{
    public static int Read(string fleetRoot)
    {
        string path = ReleasePaths.SecureVersionRecord(fleetRoot);
        if (!File.Exists(path))
            return 0;
        string text = File.ReadAllText(path).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > IotDevice.Core.Updates.ReleaseManifest.MaxSecureVersion)
            throw new ReleaseException($"{path} does not hold a secure_version 0..{IotDevice.Core.Updates.ReleaseManifest.MaxSecureVersion} ('{text}')");
        return value;
    }

    public static void Write(string fleetRoot, int value)
    {
        SecureFiles.CreateDirectory(ReleasePaths.FleetReleaseDirectory(fleetRoot), SecureFiles.SecretDirectory);
        SecureFiles.WritePublic(ReleasePaths.SecureVersionRecord(fleetRoot), value.ToString(CultureInfo.InvariantCulture) + "\n");
    }
}
