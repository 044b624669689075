using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// `release publish`: verifies the release, then copies it into the firmware server's document root as
/// <c>releases/&lt;version&gt;/</c> through a staging folder renamed into place, so the server never serves a
/// half-copied release. A published version is never replaced.
/// Threat: replacing the bytes behind a published URL would make a device that resumes a download (Range,
/// If-Range with the old ETag) stitch two releases; the part's SHA-256 would catch it, but only after the whole
/// download. Immutable versions avoid the case altogether.
/// </summary>
public static class ReleasePublisher
{
    public static (string Directory, ReleaseVerification Verification, IReadOnlyList<string> Warnings) Publish(string releaseDir, string fleetDir)
    {
        var verification = ReleaseVerifier.Verify(releaseDir, fleetDir);
        var fleet = FleetDirectory.Open(fleetDir);
        string version = verification.Manifest.Version;
        string releases = Path.Combine(ReleasePaths.DocumentRoot(fleet.Root), "releases");
        SecureFiles.CreateDirectory(releases, SecureFiles.PublicDirectory);
        string target = ReleasePaths.PublishedRelease(fleet.Root, version);
        if (Directory.Exists(target))
            throw new ReleaseException($"release {version} is already published at {target}: a published version is never replaced (make a new version)");
        var warnings = new List<string>();
        foreach (var part in new[] { verification.Manifest.App, verification.Manifest.Deploy })
        {
            string expected = "/" + ReleasePaths.UrlPath(version, part.Name == "app" ? ReleasePaths.AppFile : ReleasePaths.DeployFile);
            if (part.Url is not null && !part.Url.EndsWith(expected, StringComparison.Ordinal))
                warnings.Add($"{part.Name}-url {part.Url} does not end with {expected}: devices will not download it from this server");
        }
        string dir = Path.GetFullPath(releaseDir);
        var files = new List<(string, byte[])>();
        foreach (var name in new[] { ReleasePaths.ManifestFile, ReleasePaths.SignatureFile, ReleasePaths.AppFile, ReleasePaths.DeployFile })
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
                files.Add((name, File.ReadAllBytes(path)));
        }
        // The copy is verified again before it goes live: what is served is what was checked, even if the
        // source folder changed after the first check.
        StagedDirectory.Write(target, files, staged => ReleaseVerifier.Verify(staged, fleet.Root));
        return (target, verification, warnings);
    }
}
