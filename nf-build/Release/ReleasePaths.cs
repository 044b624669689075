namespace NfBuild.Release;

/// <summary>The release files of plan/contracts.md ("OTA addendum"): in the fleet, in a release directory, and on the firmware server.</summary>
public static class ReleasePaths
{
    public const string ManifestFile = "manifest.txt";
    public const string SignatureFile = "manifest.sig";
    public const string AppFile = "app.bin";
    public const string DeployFile = "deploy.bin";

    /// <summary>The one board the firmware is built for (contracts.md).</summary>
    public const string Board = "lolin32";

    /// <summary>Default firmware server (contracts.md): `backend apache start` listens here.</summary>
    public const string DefaultBaseUrl = "https://localhost:18443/";

    public static string FleetReleaseDirectory(string fleet) => Path.Combine(Path.GetFullPath(fleet), "release");
    public static string PrivateKey(string fleet) => Path.Combine(FleetReleaseDirectory(fleet), "release.key");
    public static string PublicKey(string fleet) => Path.Combine(FleetReleaseDirectory(fleet), "release.pub.pem");

    /// <summary>The fleet's current secure_version (one decimal line), raised only by `release create --bump-secure-version`.</summary>
    public static string SecureVersionRecord(string fleet) => Path.Combine(FleetReleaseDirectory(fleet), "secure-version");

    /// <summary>The firmware server's document root (`backend apache`).</summary>
    public static string DocumentRoot(string fleet) => Path.Combine(Path.GetFullPath(fleet), "backend", "apache", "htdocs");

    /// <summary>Where `release publish` puts version <paramref name="version"/>.</summary>
    public static string PublishedRelease(string fleet, string version) => Path.Combine(DocumentRoot(fleet), "releases", version);

    /// <summary>The URL path of a published release's file, as `release create` writes it under the base URL.</summary>
    public static string UrlPath(string version, string file) => "releases/" + version + "/" + file;
}
