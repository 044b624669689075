using System.Diagnostics;
using Esp32.Formats.AppImage;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;
using NfBuild.Release;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>A release made by the release tooling and published into the fleet's Apache document root.</summary>
public sealed record PublishedRelease(string Version, string ReleaseDir, string ManifestUrl, string AppUrl, string DeployUrl, int AppBytes, int DeployBytes);

/// <summary>What one over-the-air update of a running device did, timed from the device's log.</summary>
public sealed record OtaRun(TimeSpan CommandToHeld, TimeSpan Download, TimeSpan CommandToReboot, TimeSpan CommandToConfirmed, int MaxTlsSessions, string FinalStatus, string Phases);

/// <summary>Shared steps of the OTA end-to-end test and benchmark: release create/publish, the operator's command, the device's run.</summary>
public static class OtaEndToEnd
{
    /// <summary>
    /// `release create` (app = an ESP32 image with esp_app_desc_t version/secure_version 0 and <paramref name="projectName"/>, <paramref name="appBytes"/>
    /// of code; deploy = <paramref name="deployBytes"/> of managed code) with the base URL of the fleet's Apache, then
    /// `release publish` into its document root.
    /// </summary>
    public static async Task<PublishedRelease> CreateAndPublishAsync(EndToEndFixture fx, string version, int appBytes, int deployBytes, string projectName = "nanoCLR")
    {
        await fx.FirmwareServerAsync();
        return CreateAndPublish(fx.Root, fx.FirmwareBaseUrl, version, appBytes, deployBytes, projectName);
    }

    /// <summary>The same for any firmware server serving the fleet's document root at <paramref name="baseUrl"/> (Apache or the embedded one).</summary>
    public static PublishedRelease CreateAndPublish(string fleetRoot, string baseUrl, string version, int appBytes, int deployBytes, string projectName = "nanoCLR")
    {
        string work = Path.Combine(fleetRoot, "release-work", version + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(work);
        var code = new byte[appBytes];
        new Random(version.GetHashCode()).NextBytes(code);
        byte[] app = new AppImageBuilder(new AppDescription { Version = version, SecureVersion = 0, ProjectName = projectName, IdfVersion = "v5.5.1" })
            .AddSegment(0x40080000, code).Build();
        var deploy = new byte[deployBytes];
        new Random(version.GetHashCode() + 1).NextBytes(deploy);
        string appPath = Path.Combine(work, "nanoCLR.bin"), deployPath = Path.Combine(work, "deploy.bin");
        File.WriteAllBytes(appPath, app);
        File.WriteAllBytes(deployPath, deploy);
        var created = ReleaseCreator.Create(new ReleaseCreateOptions
        {
            FleetDir = fleetRoot, Version = version, SecureVersion = 0, AppPath = appPath, DeployPath = deployPath,
            OutputDir = Path.Combine(work, "rel-" + version), BaseUrl = baseUrl,
        });
        ReleasePublisher.Publish(created.Directory, fleetRoot);
        string dir = baseUrl + ReleasePaths.UrlPath(version, "");
        return new PublishedRelease(version, created.Directory, dir + "manifest.txt", dir + "app.bin", dir + "deploy.bin", app.Length, deployBytes);
    }

    /// <summary>
    /// The device (running, online on the primary) gets the OTA command from `nf-build release rollout` (the CLI entry
    /// point, the fleet's operator identity), downloads from Apache, reboots into the other pair and confirms it. TLS
    /// sessions of the device (MQTT + HTTPS) are sampled every millisecond.
    /// </summary>
    public static Task<OtaRun> UpdateAsync(EndToEndFixture fx, RunningDevice device, PublishedRelease release, ITestOutputHelper output) =>
        UpdateAsync(fx.Root, device, release, output);

    /// <summary>The same against whatever primary broker and firmware server the fleet at <paramref name="fleetRoot"/> points at.</summary>
    public static async Task<OtaRun> UpdateAsync(string fleetRoot, RunningDevice device, PublishedRelease release, ITestOutputHelper output)
    {
        int bootsBefore = device.Runner.Boots;
        int maxTls = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxTls = Math.Max(maxTls, device.Runner.TlsSessions.Open); // MQTT and HTTPS sessions of this device
                Thread.Sleep(1);
            }
        });
        long sent = Stopwatch.GetTimestamp();
        var (exit, stdout, stderr) = await RolloutAsync(fleetRoot, release, device.Id);
        output.WriteLine("release rollout: " + stdout + stderr);
        Assert.True(exit == 0, "release rollout failed: " + stderr);
        Assert.Contains($"OTA command sent to {device.Id} on {new DeviceTopics(device.Id).Commands}", stdout);
        Assert.Contains("manifest " + release.ManifestUrl, stdout);
        bool done = await device.WaitUntilAsync(d => d.Runner.Boots > bootsBefore && d.Runner.Application?.Ota == OtaWords.Confirmed
            && d.Runner.Application.Connection.IsOnPrimary, TimeSpan.FromSeconds(120));
        sampling.Cancel();
        await sampler;
        if (!done)
        {
            device.Dump(output, sent);
            Assert.Fail($"the update to {release.Version} did not confirm: state {device.Runner.State}, ota={device.Runner.Application?.Ota}");
        }
        TimeSpan At(string text) => device.FirstLine(text, sent) is { } line ? Stopwatch.GetElapsedTime(sent, line.Timestamp) : TimeSpan.Zero;
        TimeSpan held = At("network held: OTA download"), released = At("network released: OTA download"), reboot = At("reboot: ota: booting pair");
        TimeSpan confirmed = At("ota: pair " + device.Runner.Identity!.Slot + " confirmed");
        var status = StatusReport.Parse(device.App.BuildStatus(true));
        string phases = $"manifest checked +{(At("accepted for pair") - held).TotalMilliseconds:F0} ms, app streamed +{(At("ota: app ") - At("accepted for pair")).TotalMilliseconds:F0} ms, "
            + $"deploy streamed +{(At("ota: deploy ") - At("ota: app ")).TotalMilliseconds:F0} ms, image verified and boot slot set +{(At("selected (") - At("ota: deploy ")).TotalMilliseconds:F0} ms";
        return new OtaRun(held, released - held, reboot, confirmed, maxTls, $"version={status.Version} slot={status.Slot} ota={status.Ota}", phases);
    }

    /// <summary>`nf-build release rollout &lt;fleet&gt; &lt;release-dir&gt; --device &lt;id&gt;` through the CLI entry point.</summary>
    public static Task<(int Exit, string Out, string Err)> RolloutAsync(EndToEndFixture fx, PublishedRelease release, string deviceId) =>
        RolloutAsync(fx.Root, release, deviceId);

    public static Task<(int Exit, string Out, string Err)> RolloutAsync(string fleetRoot, PublishedRelease release, string deviceId) => Task.Run(() =>
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = NfBuild.Cli.NfBuildCli.Run(["release", "rollout", fleetRoot, release.ReleaseDir, "--device", deviceId], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    });
}
