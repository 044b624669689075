using System.Security.Cryptography;
using IotDevice.Core.Updates;
using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// `release create`: checks the parts, writes the manifest with the firmware's own codec, signs it with the
/// fleet's release key and writes <c>manifest.txt</c>, <c>manifest.sig</c>, <c>app.bin</c>, <c>deploy.bin</c>
/// (a reused part is not copied) into a staging folder that is renamed into place when complete.
/// </summary>
public static class ReleaseCreator
{
    public static ReleaseCreateResult Create(ReleaseCreateOptions o)
    {
        var fleet = FleetDirectory.Open(o.FleetDir);
        var notes = new List<string>();

        FirmwareVersion version;
        try
        {
            version = FirmwareVersion.Parse(o.Version);
        }
        catch (ArgumentException ex)
        {
            throw new ReleaseException($"--version: {ex.Message}");
        }
        // One spelling per version: it names the published folder and is compared on the device.
        if (version.ToString() != o.Version)
            throw new ReleaseException($"--version '{o.Version}' is not canonical: write '{version}'");

        if (o.SecureVersion < 0)
            throw new ReleaseException($"--secure-version {o.SecureVersion} is negative");
        if (o.SecureVersion > ReleaseManifest.MaxSecureVersion)
            throw new ReleaseException($"--secure-version {o.SecureVersion} is above {ReleaseManifest.MaxSecureVersion}: the ESP32's anti-rollback eFuse (SECURE_VERSION, 32 bits counted by popcount) cannot hold it");
        if (o.ReuseApp && o.ReuseDeploy)
            throw new ReleaseException("--reuse-app and --reuse-deploy together: the release would install nothing");

        var app = PartFile.Read(o.AppPath, "--app image");
        var deploy = PartFile.Read(o.DeployPath, "--deploy image");
        var description = AppImageCheck.Check(app.Bytes, $"--app '{o.AppPath}'");
        // Threat: the bootloader enforces the image's esp_app_desc_t.secure_version, the device's OTA check reads the
        // manifest's; if they differed, the device could accept a release its bootloader then refuses (or burn an eFuse
        // value the image does not carry).
        if (description.SecureVersion != (uint)o.SecureVersion)
            throw new ReleaseException($"--secure-version {o.SecureVersion} does not match the app image's esp_app_desc_t.secure_version {description.SecureVersion}");
        if (description.Version != o.Version)
            notes.Add($"the app image's esp_app_desc_t.version is '{description.Version}', the release version is '{o.Version}'");

        int current = FleetSecureVersion.Read(fleet.Root);
        if (o.SecureVersion < current)
            throw new ReleaseException($"--secure-version {o.SecureVersion} is below the fleet's current {current} ({ReleasePaths.SecureVersionRecord(fleet.Root)}): devices that burned {current} into their anti-rollback eFuse would refuse this image");
        if (o.SecureVersion > current && !o.BumpSecureVersion)
            throw new ReleaseException($"--secure-version {o.SecureVersion} raises the fleet's current {current}: every device that installs it burns its anti-rollback eFuse for good and can never boot an older image again; pass --bump-secure-version to do that");
        if (o.BumpSecureVersion && o.SecureVersion == current)
            throw new ReleaseException($"--bump-secure-version given, but --secure-version {o.SecureVersion} equals the fleet's current secure_version");
        if (o.SecureVersion > current + 1)
            notes.Add($"secure_version jumps from {current} to {o.SecureVersion}: {o.SecureVersion - current} of the 32 eFuse bits are used at once");

        string baseUrl = o.BaseUrl.EndsWith('/') ? o.BaseUrl : o.BaseUrl + "/";
        string UrlOf(string file) => baseUrl + ReleasePaths.UrlPath(o.Version, file);
        var manifest = new ReleaseManifest(o.Version, o.SecureVersion, ReleasePaths.Board,
            o.ReuseApp ? ReleasePart.FromRunningSlot(ReleasePart.AppName, app.Size, app.Sha256Hex) : ReleasePart.Download(ReleasePart.AppName, app.Size, app.Sha256Hex, UrlOf(ReleasePaths.AppFile)),
            o.ReuseDeploy ? ReleasePart.FromRunningSlot(ReleasePart.DeployName, deploy.Size, deploy.Sha256Hex) : ReleasePart.Download(ReleasePart.DeployName, deploy.Size, deploy.Sha256Hex, UrlOf(ReleasePaths.DeployFile)));
        byte[] manifestBytes;
        try
        {
            manifestBytes = manifest.ToBytes();
        }
        catch (ReleaseManifestException ex)
        {
            throw new ReleaseException($"the manifest would be refused by the device ({ex.Word}): {ex.Message}" + (ex.Reason == ManifestRejection.BadUrl ? $" (--base-url '{o.BaseUrl}')" : ""));
        }

        byte[] signature;
        using (var key = ReleaseKey.LoadPrivate(fleet.Root))
            signature = key.SignData(manifestBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        // Check the signature the way the device will, before anything is written.
        try
        {
            ReleaseSignature.VerifyAndParse(new DotNetCrypto(), ReleaseKey.LoadPublicSpki(fleet.Root), manifestBytes, signature);
        }
        catch (ReleaseManifestException ex)
        {
            throw new ReleaseException("the fresh signature does not verify with the fleet's release public key: " + ex.Message);
        }

        string target = Path.GetFullPath(o.OutputDir);
        var files = new List<(string Name, byte[] Bytes)> { (ReleasePaths.ManifestFile, manifestBytes), (ReleasePaths.SignatureFile, signature) };
        if (!o.ReuseApp)
            files.Add((ReleasePaths.AppFile, app.Bytes));
        if (!o.ReuseDeploy)
            files.Add((ReleasePaths.DeployFile, deploy.Bytes));
        StagedDirectory.Write(target, files);

        if (o.SecureVersion != current || !File.Exists(ReleasePaths.SecureVersionRecord(fleet.Root)))
            FleetSecureVersion.Write(fleet.Root, o.SecureVersion);
        return new ReleaseCreateResult(target, manifestBytes, current, o.SecureVersion, notes);
    }
}
