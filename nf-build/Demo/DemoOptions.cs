namespace NfBuild.Demo;

/// <summary>Which backend the demo runs against.</summary>
public enum DemoBackendKind
{
    /// <summary>In this process: MQTTnet broker (primary + fallback), Kestrel firmware server, renewal authority.</summary>
    Embedded,
    /// <summary>Two RabbitMQ 3.10 nodes, Apache 2.4 and the renewal service over AMQPS, on loopback (Debian packages).</summary>
    RabbitMq,
}

/// <summary>
/// A real fault the demo can put into its own run, so that a test sees a step fail for a real reason (never a faked
/// result): the step's own checks must catch it.
/// </summary>
public enum DemoFault
{
    None,
    /// <summary>After `release publish`, one byte of the published app.bin is flipped on the firmware server: the device
    /// must refuse the download (hash mismatch) and stay on its version, so the OTA step fails.</summary>
    CorruptPublishedApp,
}

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
