namespace NfBuild.Release;

/// <summary>What `release create` is asked to build.</summary>
public sealed record ReleaseCreateOptions
{
    public required string FleetDir { get; init; }
    /// <summary>Release version, major.minor.patch (FirmwareVersion).</summary>
    public required string Version { get; init; }
    public required int SecureVersion { get; init; }
    /// <summary>The nanoCLR app image (ESP32 app image format).</summary>
    public required string AppPath { get; init; }
    /// <summary>The managed-code deployment image.</summary>
    public required string DeployPath { get; init; }
    /// <summary>The release directory to create (must not exist).</summary>
    public required string OutputDir { get; init; }
    /// <summary>Allows raising the fleet's secure_version to <see cref="SecureVersion"/>.</summary>
    public bool BumpSecureVersion { get; init; }
    /// <summary>The device copies the app from its running slot (the given image must be that app).</summary>
    public bool ReuseApp { get; init; }
    /// <summary>The device copies the managed code from its running slot pair.</summary>
    public bool ReuseDeploy { get; init; }
    /// <summary>Firmware server root URL; parts are at &lt;base&gt;releases/&lt;version&gt;/app.bin and deploy.bin.</summary>
    public string BaseUrl { get; init; } = ReleasePaths.DefaultBaseUrl;
}
