using Esp32.Formats.AppImage;
using NfBuild.Fleet;
using NfBuild.Release;

namespace NfBuild.Demo;

/// <summary>A release the demo made: its folder and the URLs the manifest names.</summary>
public sealed record DemoRelease(string Version, string Directory, string ManifestUrl, string AppUrl, string DeployUrl, int AppBytes, int DeployBytes);

/// <summary>Releases for the demo: the fleet's own (`release create` + `release publish`) and one signed with another key.</summary>
public static class DemoReleases
{
    /// <summary>`release create` (app = an ESP32 image whose esp_app_desc_t says <paramref name="version"/>) and `release publish`.</summary>
    public static DemoRelease CreateAndPublish(string fleetRoot, Uri baseUrl, string version, int appBytes, int deployBytes, string work)
    {
        var created = Create(fleetRoot, baseUrl, version, appBytes, deployBytes, work);
        ReleasePublisher.Publish(created.Directory, fleetRoot);
        return created;
    }

    /// <summary>
    /// A release made by someone else's release key (another fleet's: <c>rogueFleetRoot</c>), copied onto the fleet's
    /// firmware server as an attacker who controls that server would: the server, TLS and the command channel accept
    /// it; only the device's signature check stands in the way.
    /// </summary>
    public static DemoRelease CreateRogue(string fleetRoot, string rogueFleetRoot, Uri baseUrl, string version, int appBytes, int deployBytes, string work)
    {
        FleetInitializer.Create(rogueFleetRoot, new FleetInitOptions { Name = "rogue" });
        ReleaseKey.Generate(rogueFleetRoot);
        var rogue = Create(rogueFleetRoot, baseUrl, version, appBytes, deployBytes, work);
        string published = ReleasePaths.PublishedRelease(fleetRoot, version);
        Directory.CreateDirectory(published);
        foreach (string file in new[] { ReleasePaths.ManifestFile, ReleasePaths.SignatureFile, ReleasePaths.AppFile, ReleasePaths.DeployFile })
            File.Copy(Path.Combine(rogue.Directory, file), Path.Combine(published, file));
        return rogue;
    }

    private static DemoRelease Create(string fleetRoot, Uri baseUrl, string version, int appBytes, int deployBytes, string work)
    {
        Directory.CreateDirectory(work);
        var code = new byte[appBytes];
        new Random(version.GetHashCode()).NextBytes(code);
        byte[] app = new AppImageBuilder(new AppDescription { Version = version, SecureVersion = 0, ProjectName = "nanoCLR", IdfVersion = "v5.5.1" })
            .AddSegment(0x40080000, code).Build();
        var deploy = new byte[deployBytes];
        new Random(version.GetHashCode() + 1).NextBytes(deploy);
        string appPath = Path.Combine(work, $"nanoCLR-{version}.bin"), deployPath = Path.Combine(work, $"deploy-{version}.bin");
        File.WriteAllBytes(appPath, app);
        File.WriteAllBytes(deployPath, deploy);
        var created = ReleaseCreator.Create(new ReleaseCreateOptions
        {
            FleetDir = fleetRoot, Version = version, SecureVersion = 0, AppPath = appPath, DeployPath = deployPath,
            OutputDir = Path.Combine(work, "rel-" + version), BaseUrl = baseUrl.ToString(),
        });
        string dir = baseUrl + ReleasePaths.UrlPath(version, "");
        return new DemoRelease(version, created.Directory, dir + ReleasePaths.ManifestFile, dir + ReleasePaths.AppFile, dir + ReleasePaths.DeployFile, app.Length, deployBytes);
    }
}
