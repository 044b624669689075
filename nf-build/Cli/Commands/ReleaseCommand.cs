using System.CommandLine;
using System.Globalization;
using System.Text;
using NfBuild.Release;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `release keygen|create|verify|publish|rollout`: signed firmware releases (README.md, "Releases and the firmware server").
/// </summary>
internal static class ReleaseCommand
{
    public static Command Create()
    {
        var release = new Command("release", "Signed firmware releases: the fleet's release key, release directories (manifest.txt, manifest.sig, app.bin, deploy.bin), publishing to the firmware server.");
        release.Add(Keygen());
        release.Add(CreateRelease());
        release.Add(VerifyRelease());
        release.Add(Publish());
        release.Add(Rollout());
        return release;
    }

    private static Command Keygen()
    {
        var fleet = new Argument<DirectoryInfo>("fleet-dir") { Description = "Fleet workspace folder." };
        var command = new Command("keygen", "Create the fleet's release signing key (P-256): release/release.key (PKCS#8, 0600) and release/release.pub.pem. Refuses to replace an existing key.") { fleet };
        command.SetAction(parse =>
        {
            string pub = Run(() => ReleaseKey.Generate(parse.GetValue(fleet)!.FullName));
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"release public key: {pub} (provision it into NVS rel_pubkey)");
            output.WriteLine($"release private key: {Path.Combine(Path.GetDirectoryName(pub)!, "release.key")} (0600): keep it on the signing host only");
            return 0;
        });
        return command;
    }

    private static Command CreateRelease()
    {
        var fleet = new Argument<DirectoryInfo>("fleet-dir") { Description = "Fleet workspace folder (holds release/release.key)." };
        var version = new Option<string>("--version") { Description = "Release version major.minor.patch.", Required = true };
        var secureVersion = new Option<int>("--secure-version") { Description = "secure_version: must equal the app image's esp_app_desc_t.secure_version, 0..32.", Required = true, CustomParser = NumberParser.ParseIntArgument };
        var app = new Option<FileInfo>("--app") { Description = "The nanoCLR app image (nanoCLR.bin).", Required = true };
        var deploy = new Option<FileInfo>("--deploy") { Description = "The managed-code deployment image (deploy.bin).", Required = true };
        var output = new Option<DirectoryInfo>("-o", "--output") { Description = "Release directory to create (must not exist).", Required = true };
        var bump = new Option<bool>("--bump-secure-version") { Description = "Allow raising the fleet's secure_version (burns an anti-rollback eFuse bit on every device that installs it)." };
        var reuseDeploy = new Option<bool>("--reuse-deploy") { Description = "Devices keep their running managed code (copied and hash-checked; --deploy is the running one)." };
        var reuseApp = new Option<bool>("--reuse-app") { Description = "Devices keep their running nanoCLR (copied and hash-checked; --app is the running one)." };
        var baseUrl = new Option<string>("--base-url") { Description = "Firmware server root URL (https); parts are at <base>/releases/<version>/.", DefaultValueFactory = _ => ReleasePaths.DefaultBaseUrl };
        var command = new Command("create", "Build and sign a release directory: manifest.txt, manifest.sig, app.bin, deploy.bin.")
        {
            fleet, version, secureVersion, app, deploy, output, bump, reuseDeploy, reuseApp, baseUrl,
        };
        command.SetAction(parse =>
        {
            var result = Run(() => ReleaseCreator.Create(new ReleaseCreateOptions
            {
                FleetDir = parse.GetValue(fleet)!.FullName,
                Version = parse.GetValue(version)!,
                SecureVersion = parse.GetValue(secureVersion),
                AppPath = parse.GetValue(app)!.FullName,
                DeployPath = parse.GetValue(deploy)!.FullName,
                OutputDir = parse.GetValue(output)!.FullName,
                BumpSecureVersion = parse.GetValue(bump),
                ReuseApp = parse.GetValue(reuseApp),
                ReuseDeploy = parse.GetValue(reuseDeploy),
                BaseUrl = parse.GetValue(baseUrl)!,
            }));
            var o = parse.InvocationConfiguration.Output;
            foreach (var note in result.Notes)
                parse.InvocationConfiguration.Error.WriteLine("note: " + note);
            o.WriteLine($"release written to {result.Directory}");
            if (result.SecureVersion != result.PreviousSecureVersion)
                o.WriteLine($"fleet secure_version raised from {result.PreviousSecureVersion} to {result.SecureVersion}");
            o.Write(Encoding.ASCII.GetString(result.Manifest));
            return 0;
        });
        return command;
    }

    private static Command VerifyRelease()
    {
        var dir = new Argument<DirectoryInfo>("release-dir") { Description = "Release directory (manifest.txt, manifest.sig, parts)." };
        var fleet = new Option<DirectoryInfo>("--fleet") { Description = "Fleet workspace whose release key must have signed it.", Required = true };
        var command = new Command("verify", "Check a release as the device will: signature, manifest, part sizes and hashes, app image, secure_version. Exit 1 with the reason.") { dir, fleet };
        command.SetAction(parse =>
        {
            var v = Run(() => ReleaseVerifier.Verify(parse.GetValue(dir)!.FullName, parse.GetValue(fleet)!.FullName));
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"release {v.Manifest.Version} (secure_version {v.Manifest.SecureVersion}, board {v.Manifest.Board}): OK");
            foreach (var line in v.Checked)
                o.WriteLine("  " + line);
            return 0;
        });
        return command;
    }

    private static Command Publish()
    {
        var dir = new Argument<DirectoryInfo>("release-dir") { Description = "Release directory to publish." };
        var fleet = new Option<DirectoryInfo>("--fleet") { Description = "Fleet workspace (its backend/apache/htdocs is the firmware server's document root).", Required = true };
        var command = new Command("publish", "Verify a release, then copy it atomically to <fleet>/backend/apache/htdocs/releases/<version>/.") { dir, fleet };
        command.SetAction(parse =>
        {
            var (target, v, warnings) = Run(() => ReleasePublisher.Publish(parse.GetValue(dir)!.FullName, parse.GetValue(fleet)!.FullName));
            foreach (var w in warnings)
                parse.InvocationConfiguration.Error.WriteLine("warning: " + w);
            parse.InvocationConfiguration.Output.WriteLine($"release {v.Manifest.Version} published at {target}");
            return 0;
        });
        return command;
    }

    private static Command Rollout()
    {
        var fleet = new Argument<DirectoryInfo>("fleet-dir") { Description = "Fleet workspace (fleet.json primaryEndpoints, pki/operator.pem, the registry)." };
        var dir = new Argument<DirectoryInfo>("release-dir") { Description = "Release directory; the same release must be published (`release publish`)." };
        var device = new Option<string[]>("--device") { Description = "A device to update: a registered, not revoked device id. Repeatable (the order is the rollout order).", AllowMultipleArgumentsPerToken = false };
        var all = new Option<bool>("--all") { Description = "Every active device of the registry, in registry order (revoked devices never get a command)." };
        var waves = new Option<string?>("--waves") { Description = "Cumulative percentages of the devices per wave, ascending, ending with 100, e.g. 5,25,100 (default with --all or several devices: 100, one wave)." };
        var waveTimeout = new Option<string?>("--wave-timeout") { Description = "How long a wave may take; a device that has not reported its outcome by then counts as failed (no-answer). Seconds, or 90s, 10m, 1h (default 10m)." };
        var abortAbove = new Option<string?>("--abort-above") { Description = "Abort when a wave's failed share (rolled back, rejected, failed, no answer) is above this rate, 0..1 (default 0: any failure stops the rollout)." };
        var wait = new Option<bool>("--wait") { Description = "With one --device: also wait for its outcome as a one-wave rollout (exit 0 only if it confirmed)." };
        var command = new Command("rollout", "Send the OTA command of a published release to devices: verify the release, derive its manifest URL on the firmware server, publish iotdevice-command-v1 kind=ota "
            + "to devices/<id>/commands on the primary as the operator (QoS 1, PUBACK). One --device: send and exit. Several devices, --all, --waves or --wait: in waves, each waited for "
            + "through the devices' status (confirmed, rolled-back, rejected:<reason>, no-answer); a wave above --abort-above stops the rollout and the rest get no command.")
            { fleet, dir, device, all, waves, waveTimeout, abortAbove, wait };
        command.SetAction(async (parse, cancel) =>
        {
            string[] ids = parse.GetValue(device) ?? [];
            bool everyDevice = parse.GetValue(all);
            string? wavesText = parse.GetValue(waves), timeoutText = parse.GetValue(waveTimeout), rateText = parse.GetValue(abortAbove);
            var output = parse.InvocationConfiguration.Output;
            // One device without waves or --wait: today's fire-and-forget command (publish, PUBACK, exit).
            if (!everyDevice && ids.Length == 1 && wavesText is null && !parse.GetValue(wait))
            {
                if (timeoutText is not null || rateText is not null)
                    throw new CliUsageException("--wave-timeout and --abort-above apply to a rollout that waits for outcomes: add --wait (or --waves)");
                var result = await NfBuild.Backend.ReleaseRollout.RunAsync(parse.GetValue(fleet)!.FullName, parse.GetValue(dir)!.FullName, ids[0], cancel: cancel);
                if (result.OperatorCreated)
                    output.WriteLine(OperatorCreatedNote);
                output.WriteLine($"release {result.Version}: OTA command sent to {result.DeviceId} on {result.Topic} via {result.Endpoint} (QoS 1, PUBACK received)");
                output.WriteLine($"  manifest {result.ManifestUrl}");
                foreach (var line in NfBuild.Backend.ReleaseRollout.PayloadText(result.Payload).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    output.WriteLine("  | " + line);
                return 0;
            }
            double rate = 0;
            if (rateText is not null && (!double.TryParse(rateText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) || rate is < 0 or > 1))
                throw new CliUsageException($"--abort-above: '{rateText}' is not a rate between 0 and 1 (e.g. 0.2)");
            var options = new NfBuild.Backend.WaveRolloutOptions
            {
                Waves = wavesText is null ? [100] : NfBuild.Backend.WavePlan.Parse(wavesText),
                WaveTimeout = timeoutText is null ? DefaultWaveTimeout : DurationParser.Parse(timeoutText, "--wave-timeout"),
                AbortFailureRate = rate,
            };
            var run = await NfBuild.Backend.FleetRollout.RunAsync(new NfBuild.Backend.FleetRolloutOptions
            {
                FleetDirectory = parse.GetValue(fleet)!.FullName,
                ReleaseDirectory = parse.GetValue(dir)!.FullName,
                DeviceIds = ids,
                All = everyDevice,
                Waves = options,
                Log = line => { lock (output) output.WriteLine(line); },
            }, cancel);
            if (run.OperatorCreated)
                output.WriteLine(OperatorCreatedNote);
            foreach (var line in RolloutTable.Lines(run.Report))
                output.WriteLine(line);
            var r = run.Report;
            if (r.Aborted)
            {
                var last = r.Waves[^1];
                string rest = r.NeverCommanded.Count == 0 ? "it was the last wave, every device got the command" : $"{r.NeverCommanded.Count} devices got no command: {string.Join(", ", r.NeverCommanded)}";
                parse.InvocationConfiguration.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"error: rollout of {r.Version} aborted after wave {last.Number}: failure rate {RolloutTable.Percent(last.FailureRate)} is above {RolloutTable.Percent(r.AbortFailureRate)} ({string.Join(", ", last.FailureWords.Select(kv => kv.Key + " x" + kv.Value))}); {rest}"));
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static readonly TimeSpan DefaultWaveTimeout = TimeSpan.FromMinutes(10);

    private const string OperatorCreatedNote = "created the operator identity pki/operator.pem / pki/operator.key (run `nf-build backend rabbitmq write` so a running broker knows the operator user)";

    private static T Run<T>(Func<T> f)
    {
        try { return f(); }
        catch (ReleaseException ex) { throw new CliUsageException(ex.Message); }
    }
}
