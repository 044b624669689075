namespace NfBuild.Demo;

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
