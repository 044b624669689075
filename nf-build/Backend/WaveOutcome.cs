using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;

namespace NfBuild.Backend;

/// <summary>
/// What a device's status report says about an OTA command it was sent. Only reports that arrived after the command
/// count (<see cref="WaveRollout"/>): a retained report from before says nothing about this release. The report is
/// the device's own word, so a wave's result is what the devices say; what they install is decided by the signed
/// manifest, not by this reading.
/// </summary>
public static class WaveOutcome
{
    /// <summary>The device did not report an outcome before the wave's timeout: counted as failed.</summary>
    public const string NoAnswer = "no-answer";

    /// <summary>
    /// The device already runs this release: it refused the command as not newer while reporting this very version
    /// (a rollout run again after an abort, or a device updated by hand). Counted as a success, never as a failure, so
    /// re-running a rollout over the whole fleet does not abort on the devices it already reached.
    /// </summary>
    public const string AlreadyRunning = "already-running";

    /// <summary>True for the outcomes that count as the release being in place: confirmed and already running.</summary>
    public static bool IsSuccess(string word) => word is OtaWords.Confirmed or AlreadyRunning;

    /// <summary>The device's outcome word, or null while it is still working on it (accepted, downloading, rebooting, …).</summary>
    public static string? Of(StatusReport report, string version)
    {
        if (report.State == "online" && report.Version == version && report.Ota == OtaWords.Confirmed)
            return OtaWords.Confirmed;
        if (report.Version == version && report.Ota == OtaWords.RejectedPrefix + OtaWords.NotNewer)
            return AlreadyRunning;
        if (report.Ota == OtaWords.RolledBack || report.Ota.StartsWith(OtaWords.RejectedPrefix, StringComparison.Ordinal) || report.Ota.StartsWith("failed", StringComparison.Ordinal))
            return report.Ota;
        return null;
    }
}
