namespace NfBuild.Demo;

/// <summary>What `nf-build demo` runs against and where (<see cref="DemoRunner"/>).</summary>
public sealed record DemoOptions
{
    /// <summary>Where the fleet and the virtual device go; null: a new folder under the temp directory.</summary>
    public string? Directory { get; init; }

    /// <summary>Keep the folder afterwards (a folder given with <see cref="Directory"/> is always kept).</summary>
    public bool Keep { get; init; }

    public DemoBackendKind Backend { get; init; } = DemoBackendKind.Embedded;

    public DemoFault Fault { get; init; } = DemoFault.None;

    /// <summary>Size of the OTA release's app image (nanoCLR: about 1.5 MB on the board).</summary>
    public int AppBytes { get; init; } = 1536 * 1024;

    /// <summary>Size of the OTA release's managed deployment.</summary>
    public int DeployBytes { get; init; } = 256 * 1024;

    /// <summary>How long one step may wait for the device.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
