using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Release;
using NfBuild.VirtualDevice;
using Spectre.Console;

namespace NfBuild.Demo;

/// <summary>
/// `nf-build demo`: the secure lifecycle of one virtual Lolin32, live, in a fresh folder. A fleet (two-level CA, release
/// key, one device), the device provisioned with flash and NVS encryption, the backend started (embedded in this process,
/// or RabbitMQ + Apache), the firmware core booted on the virtual chip, then five checks, each against the real thing:
/// mTLS connect and telemetry seen by an observer; an OTA to a new release; a release signed with another key refused;
/// a forced certificate expiry healed by renewal over the fallback; a flash-dump audit. Every line the device logs is
/// printed as it happens; long steps have progress bars; a summary table ends the run. README "Demo".
/// </summary>
public sealed class DemoRunner(IAnsiConsole console, DemoOptions options)
{
    public const string DeviceId = "demo-lolin32";
    public const string FirstVersion = "1.0.0";
    public const string UpdateVersion = "1.1.0";
    public const string RogueVersion = "1.2.0";

    /// <summary>The summary's step names, in order.</summary>
    public static readonly IReadOnlyList<string> StepNames =
        ["fleet", "provision", "backend", "1 mTLS + telemetry", "2 OTA update", "3 bad release refused", "4 expiry -> renewal", "5 flash audit"];

    private readonly Stopwatch _clock = new();
    private readonly ConcurrentQueue<string> _backendLines = new();
    private readonly List<DemoStepResult> _results = [];
    private readonly List<string> _deviceLog = [];
    private string _root = "";
    private string _fleetRoot = "";
    private FleetDirectory _fleet = null!;
    private DemoBackend? _backend;
    private DemoDevice? _device;
    private DemoObserver? _observer;
    private int _telemetrySeen;
    private CancellationToken _cancel;

    public async Task<DemoReport> RunAsync(CancellationToken cancel = default)
    {
        _clock.Start();
        _cancel = cancel;
        bool ownsDirectory = options.Directory is null;
        _root = Path.GetFullPath(options.Directory ?? Path.Combine(Path.GetTempPath(), "nf-build-demo-" + Guid.NewGuid().ToString("N")[..8]));
        if (Directory.Exists(_root) && Directory.EnumerateFileSystemEntries(_root).Any())
            throw new IOException($"{_root} is not empty: the demo makes a fresh fleet, give it an empty or new folder");
        Directory.CreateDirectory(_root);
        _fleetRoot = Path.Combine(_root, "fleet");

        console.Write(new Rule("[bold]nf-build demo[/]: one virtual Lolin32, its secure lifecycle").LeftJustified());
        console.MarkupLine($"folder  {Markup.Escape(_root)}");
        console.MarkupLine($"backend {(options.Backend == DemoBackendKind.Embedded ? "embedded (in this process)" : "RabbitMQ + Apache on loopback")}");
        try
        {
            bool ready = await StepAsync(StepNames[0], "fleet: CA, release key, device", CreateFleet, cancel)
                && await StepAsync(StepNames[1], "provision: flash and NVS encryption", Provision, cancel)
                && await StepAsync(StepNames[2], "backend", StartBackendAsync, cancel)
                && await StepAsync(StepNames[3], "1. mTLS connect and telemetry", ConnectAsync, cancel);
            if (ready)
            {
                await StepAsync(StepNames[4], $"2. OTA to {UpdateVersion}", OtaAsync, cancel);
                await StepAsync(StepNames[5], "3. a release signed with another key", BadReleaseAsync, cancel);
                await StepAsync(StepNames[6], "4. certificate expiry -> fallback -> renewal -> primary", ExpiryAsync, cancel);
                await StepAsync(StepNames[7], "5. flash-dump audit", AuditAsync, cancel);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the step in progress is recorded as interrupted, the backend and the device still stop in order.
            console.MarkupLine("[red]interrupted[/]");
            if (_results.Count < StepNames.Count)
                _results.Add(new DemoStepResult(StepNames[_results.Count], DemoOutcome.Failed, TimeSpan.Zero, "interrupted (Ctrl-C)"));
        }
        finally
        {
            await ShutdownAsync();
        }
        foreach (string name in StepNames.Skip(_results.Count))
            _results.Add(new DemoStepResult(name, DemoOutcome.Skipped, TimeSpan.Zero, cancel.IsCancellationRequested ? "not run: interrupted" : "not run: an earlier step failed"));
        var total = _clock.Elapsed;
        bool keep = options.Keep || !ownsDirectory;
        var report = new DemoReport(_results, total, _root, keep);
        PrintSummary(report);
        if (!keep)
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return report;
    }

    // ---------------------------------------------------------------- steps

    private Task<string> CreateFleet()
    {
        var fleet = FleetInitializer.Create(_fleetRoot, new FleetInitOptions { Name = "demo" });
        // Free loopback ports (never the development defaults: a real broker may be listening there), written before the
        // device is added so that its NVS points at them.
        var free = DemoBackend.FreePorts(7);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        settings.PrimaryEndpoints = [$"127.0.0.1:{free[0]}"];
        settings.FallbackEndpoints = [$"127.0.0.1:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        ReleaseKey.Generate(_fleetRoot);
        _fleet = FleetDirectory.Open(_fleetRoot);
        var added = DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = DeviceId, NotAfter = DateTimeOffset.UtcNow.AddYears(1) });
        return Task.FromResult($"root + issuing CA (P-256), server cert, release key; device {DeviceId} serial {Short(added.Record.Serial)}");
    }

    private Task<string> Provision()
    {
        string dir = Path.Combine(_root, "device");
        var result = VirtualProvisioner.Provision(_fleetRoot, DeviceId, dir, new ProvisionOptions { Encrypt = true, AppVersion = FirstVersion });
        if (!result.Encrypted)
            throw new DemoStepException("provisioned without encryption");
        _device = new DemoDevice(DeviceId, dir);
        return Task.FromResult($"4 MB flash.bin: flash encryption (development, key in eFuse), NVS encryption, {result.RunningVersion} in ota_0");
    }

    private async Task<string> StartBackendAsync()
    {
        _backend = options.Backend == DemoBackendKind.Embedded
            ? await DemoBackend.StartEmbeddedAsync(_fleet, _backendLines.Enqueue)
            : await DemoBackend.StartRabbitMqAsync(_fleet, _backendLines.Enqueue, _cancel);
        return _backend.Description;
    }

    private async Task<string> ConnectAsync()
    {
        var device = _device!;
        var topics = new DeviceTopics(DeviceId);
        _observer = DemoObserver.Create(_fleet);
        var (host, port) = Endpoint(_fleet.Settings.PrimaryEndpoints[0]);
        await _observer.ConnectAsync(host, port, topics.Telemetry, topics.Status);
        device.Start();
        bool ok = await device.WaitUntilAsync(d => d.App.Connection.IsOnPrimary && _observer.On(topics.Telemetry).Count >= 3, options.StepTimeout, Pump, cancel: _cancel);
        if (!ok)
            throw new DemoStepException($"not online with telemetry: state {device.Runner.State}, observer got {_observer.On(topics.Telemetry).Count} telemetry message(s)");
        var status = LatestStatus() ?? throw new DemoStepException("no status from the device");
        _telemetrySeen = _observer.On(topics.Telemetry).Count;
        return $"primary {host}:{port} with client certificate CN={DeviceId} serial {Short(device.App.ActiveSerial)}; observer: {_telemetrySeen} telemetry, status {status.State} version={status.Version} slot={status.Slot}";
    }

    private async Task<string> OtaAsync()
    {
        var device = _device!;
        var backend = _backend!;
        var before = device.Runner.Identity!;
        var release = DemoReleases.CreateAndPublish(_fleetRoot, backend.FirmwareBaseUrl, UpdateVersion, options.AppBytes, options.DeployBytes, Path.Combine(_root, "release-work"));
        Line("demo", $"release {UpdateVersion} created and published: {release.ManifestUrl} (app {Kb(release.AppBytes)}, deploy {Kb(release.DeployBytes)})");
        if (options.Fault == DemoFault.CorruptPublishedApp)
        {
            string published = Path.Combine(ReleasePaths.PublishedRelease(_fleetRoot, UpdateVersion), ReleasePaths.AppFile);
            byte[] bytes = File.ReadAllBytes(published);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(published, bytes);
            Line("demo", "fault: one bit of the published app.bin flipped on the firmware server");
        }
        int boots = device.Runner.Boots;
        if (options.Fault == DemoFault.CorruptPublishedApp)
        {
            // `release rollout` verifies the published copy again and would refuse it: the command goes out directly, as
            // when the server's copy rots after the rollout checked it.
            var (topic, endpoint) = await ReleaseRollout.SendCommandAsync(_fleet, DeviceId, OtaCommand.Build(release.ManifestUrl));
            Line("demo", $"OTA command sent directly on {topic} via {endpoint} (operator certificate; release rollout would refuse the corrupted copy)");
        }
        else
        {
            var rollout = await ReleaseRollout.RunAsync(_fleetRoot, release.Directory, DeviceId);
            Line("demo", $"release rollout: OTA command on {rollout.Topic} via {rollout.Endpoint} (operator certificate)");
        }
        var download = Stopwatch.StartNew();
        TimeSpan? downloaded = null;
        bool ok = false;
        var app = new DemoProgressBar($"download app.bin ({Kb(release.AppBytes)})", release.AppBytes);
        var deploy = new DemoProgressBar($"download deploy.bin ({Kb(release.DeployBytes)})", release.DeployBytes);
        var confirm = new DemoProgressBar("verify, reboot, self-test", 4);
        await DemoProgress.RunAsync(console, [app, deploy, confirm], async refresh =>
        {
            ok = await device.WaitUntilAsync(d => d.Runner.Boots > boots && d.Runner.Application?.Ota == OtaWords.Confirmed && d.App.Connection.IsOnPrimary,
                options.StepTimeout,
                () =>
                {
                    Pump();
                    app.Value = device.Runner.Downloads.Of(release.AppUrl)?.Position ?? 0;
                    deploy.Value = device.Runner.Downloads.Of(release.DeployUrl)?.Position ?? 0;
                    if (downloaded is null && deploy.Value >= release.DeployBytes)
                        downloaded = download.Elapsed;
                    string? ota = device.Runner.Application?.Ota;
                    confirm.Value = device.Runner.Boots > boots ? (ota == OtaWords.Confirmed ? 4 : 3) : ota == OtaWords.Verifying ? 1 : ota == OtaWords.Rebooting ? 2 : 0;
                    refresh();
                },
                d => d.Runner.Application?.Ota is { } word && (word.StartsWith(OtaWords.RejectedPrefix, StringComparison.Ordinal) || word.StartsWith("failed", StringComparison.Ordinal) || word == OtaWords.RolledBack)
                    ? $"the device refused the update: ota={word}, still {d.Runner.Identity?.Version} in ota_{d.Runner.Identity?.Slot}" : null, _cancel);
            if (ok)
                confirm.Value = 4;
        });
        Pump();
        if (!ok)
            throw new DemoStepException($"the update did not confirm: state {device.Runner.State}, ota={device.Runner.Application?.Ota}");
        var after = device.Runner.Identity!;
        if (after.Version != UpdateVersion || after.Slot == before.Slot)
            throw new DemoStepException($"booted {after.Version} in ota_{after.Slot}, expected {UpdateVersion} in the other slot than ota_{before.Slot}");
        var status = await StatusAsync(s => s.Version == UpdateVersion && s.Ota == OtaWords.Confirmed)
            ?? throw new DemoStepException("the observer never saw version=" + UpdateVersion + " ota=confirmed");
        return $"{before.Version} (ota_{before.Slot}) -> {after.Version} (ota_{after.Slot}) as booted from flash; {Kb(release.AppBytes + release.DeployBytes)} in {(downloaded ?? download.Elapsed).TotalSeconds:F1} s, SHA-256 + signature verified, self-test confirmed; status version={status.Version} slot={status.Slot} ota={status.Ota}";
    }

    private async Task<string> BadReleaseAsync()
    {
        var device = _device!;
        var before = device.Runner.Identity!;
        var rogue = DemoReleases.CreateRogue(_fleetRoot, Path.Combine(_root, "rogue-signer"), _backend!.FirmwareBaseUrl, RogueVersion, 64 * 1024, 16 * 1024, Path.Combine(_root, "rogue-work"));
        Line("demo", $"release {RogueVersion} signed with ANOTHER key, put on the firmware server: {rogue.ManifestUrl}");
        // `release rollout` would refuse it (it verifies against the fleet's key); an attacker with the operator identity
        // or the broker sends the command anyway. The device must refuse by itself.
        int accepted = device.App.OtaCommandsAccepted;
        var (topic, endpoint) = await ReleaseRollout.SendCommandAsync(_fleet, DeviceId, OtaCommand.Build(rogue.ManifestUrl));
        Line("demo", $"OTA command for it sent on {topic} via {endpoint}");
        string expected = OtaWords.RejectedPrefix + OtaWords.BadSignature;
        bool ok = await device.WaitUntilAsync(d => d.App.OtaCommandsAccepted > accepted && d.App.Ota.StartsWith(OtaWords.RejectedPrefix, StringComparison.Ordinal) && d.App.Connection.IsOnPrimary,
            options.StepTimeout, Pump, cancel: _cancel);
        if (!ok)
            throw new DemoStepException($"no refusal: ota={device.Runner.Application?.Ota}, state {device.Runner.State}");
        string word = device.App.Ota;
        if (word != expected)
            throw new DemoStepException($"refused for another reason: ota={word} (expected {expected})");
        var now = device.Runner.Identity!;
        if (now.Version != before.Version || now.Slot != before.Slot)
            throw new DemoStepException($"the device changed to {now.Version} in ota_{now.Slot}");
        var status = await StatusAsync(s => s.Ota == expected) ?? throw new DemoStepException("the observer never saw ota=" + expected);
        bool served = device.Runner.Downloads.Of(rogue.AppUrl) is not null;
        return $"refused before any flash write ({(served ? "app downloaded!" : "app.bin never fetched")}); still {now.Version} in ota_{now.Slot}; status ota={status.Ota} version={status.Version}";
    }

    private async Task<string> ExpiryAsync()
    {
        var device = _device!;
        int fallbackBefore = device.App.Connection.FallbackConnects;
        device.Stop();
        Pump();
        var expired = ForcedExpiry.Apply(_fleet, device.Runner, DateTimeOffset.UtcNow.AddDays(-1));
        Line("demo", $"identity re-issued EXPIRED (not-after {expired.NotAfter:yyyy-MM-ddTHH:mm:ssZ}, serial {Short(expired.ExpiredSerial)}) for the device's own key, written to its NVS; power cycle");
        device.Start();
        string[] milestones =
        [
            "rejected the identity", "moving to the fallback broker", "connected to fallback", "renewal: awaiting-standing",
            "renewal: awaiting-certificate", "accepted the renewed identity",
        ];
        int logStart = _deviceLog.Count;
        string? newSerial = null;
        bool ok = false;
        var bar = new DemoProgressBar("refused -> fallback -> standing -> certificate -> trial -> committed", milestones.Length + 1);
        await DemoProgress.RunAsync(console, [bar], async refresh =>
        {
            ok = await device.WaitUntilAsync(d => d.App.RenewalOutcome == "renewed" && d.App.Connection.IsOnPrimary
                    && d.App.ActiveSerial != expired.ExpiredSerial && _fleet.Registry.Get(DeviceId)?.Serial == d.App.ActiveSerial,
                options.StepTimeout,
                () =>
                {
                    Pump();
                    int reached = milestones.Count(m => _deviceLog.Skip(logStart).Any(l => l.Contains(m, StringComparison.Ordinal)));
                    bool committed = device.Runner.Application is { } app && _fleet.Registry.Get(DeviceId)?.Serial == app.ActiveSerial && app.ActiveSerial != expired.ExpiredSerial;
                    bar.Value = reached + (committed ? 1 : 0);
                    refresh();
                }, cancel: _cancel);
            if (ok)
                bar.Value = milestones.Length + 1;
        });
        Pump();
        if (!ok)
            throw new DemoStepException($"not back renewed: state {device.Runner.State}, renewal {device.Runner.Application?.Renewal.StateName}/{device.Runner.Application?.RenewalOutcome}, registry serial {Short(_fleet.Registry.Get(DeviceId)?.Serial ?? "-")}");
        newSerial = device.App.ActiveSerial;
        var missing = milestones.Where(m => !_deviceLog.Skip(logStart).Any(l => l.Contains(m, StringComparison.Ordinal))).ToList();
        if (missing.Count > 0)
            throw new DemoStepException("renewed, but not through the fallback path: no '" + string.Join("', '", missing) + "' in the device log");
        if (device.App.Connection.FallbackConnects <= fallbackBefore)
            throw new DemoStepException("the device never connected to the fallback");
        if (!Crl.Read(_fleet).RevokedSerials.Contains(expired.ExpiredSerial))
            throw new DemoStepException("the expired serial is not on the CRL after the commit");
        var status = await StatusAsync(s => s.Serial == newSerial && s.Renewal == "renewed")
            ?? throw new DemoStepException("the observer never saw the new serial in the status");
        return $"primary refused the expired cert, fallback (password), PoP + CSR, new key on the device; back on the primary with serial {Short(newSerial)} (was {Short(expired.ExpiredSerial)}, now on the CRL); status renewal={status.Renewal}";
    }

    private Task<string> AuditAsync()
    {
        var device = _device!;
        device.Stop();
        Pump();
        var store = device.Runner.Store!;
        int slot = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.ActiveIdentity) == "1" ? 1 : 0;
        string keyPem = store.GetString(DeviceStoreKeys.Namespace, IdentityStore.SlotKey(slot, DeviceStoreKeys.KeySuffix)) ?? throw new DemoStepException("no key in NVS");
        string password = store.GetString(DeviceStoreKeys.Namespace, IdentityStore.SlotKey(slot, DeviceStoreKeys.FallbackPasswordSuffix)) ?? throw new DemoStepException("no fallback password in NVS");
        var bundle = DeviceBundle.Open(_fleet, DeviceId);
        // The provisioned identity (from the bundle) and the renewed one (what the firmware reads from its NVS).
        var needles = DeviceSecrets.Needles(bundle).Concat(DeviceSecrets.Needles(DeviceId, $"NVS identity slot {slot}", keyPem, password, null)).ToList();
        byte[] dump = device.Runner.Device.Flash.Dump();
        var findings = FlashAudit.Scan(dump, needles, VirtualProvisioner.ProductTable());
        if (findings.Count > 0)
            throw new DemoStepException($"{findings.Count} plaintext secret(s) in the dump: " + string.Join("; ", findings.Take(3)));
        Directory.Delete(bundle.Directory, recursive: true);
        Line("demo", $"provisioning bundle {bundle.Directory} deleted (the fleet keeps no copy of the device's key)");
        return Task.FromResult($"{dump.Length / (1024 * 1024)} MB dump, {needles.Count} forms of 2 keys and 2 fallback passwords searched: 0 plaintext secrets");
    }

    // ---------------------------------------------------------------- plumbing

    private async Task<bool> StepAsync(string name, string title, Func<Task<string>> step, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        console.WriteLine();
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        var sw = Stopwatch.StartNew();
        DemoStepResult result;
        try
        {
            string detail = await step();
            result = new DemoStepResult(name, DemoOutcome.Passed, sw.Elapsed, detail);
            Pump();
            console.MarkupLine($"[green]passed[/] in {sw.Elapsed.TotalSeconds:F1} s: {Markup.Escape(detail)}");
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && _cancel.IsCancellationRequested))
        {
            Pump();
            string why = ex is DemoStepException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            result = new DemoStepResult(name, DemoOutcome.Failed, sw.Elapsed, why);
            console.MarkupLine($"[red]FAILED[/] after {sw.Elapsed.TotalSeconds:F1} s: {Markup.Escape(why)}");
        }
        _results.Add(result);
        return result.Outcome == DemoOutcome.Passed;
    }

    /// <summary>Prints what the device and the backend logged since the last call, one line each.</summary>
    private void Pump()
    {
        if (_device is not null)
        {
            foreach (string line in _device.TakeLines())
            {
                _deviceLog.Add(line);
                Line("device", line);
            }
        }
        while (_backendLines.TryDequeue(out var line))
            Line("backend", line);
    }

    private void Line(string who, string text)
    {
        string colour = who switch { "device" => "aqua", "backend" => "yellow", _ => "silver" };
        console.MarkupLine($"[grey]{_clock.Elapsed.TotalSeconds,6:F2}s[/] [{colour}]{who,-7}[/] {Markup.Escape(text)}");
    }

    private StatusReport? LatestStatus()
    {
        var last = _observer?.On(new DeviceTopics(DeviceId).Status).LastOrDefault();
        return last is null ? null : StatusReport.Parse(Encoding.UTF8.GetBytes(last.Payload));
    }

    /// <summary>The latest status the observer received once it satisfies <paramref name="condition"/> (10 s at most).</summary>
    private async Task<StatusReport?> StatusAsync(Func<StatusReport, bool> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            Pump();
            if (LatestStatus() is { } status && condition(status))
                return status;
            await Task.Delay(50);
        }
        return null;
    }

    private async Task ShutdownAsync()
    {
        try
        {
            if (_device is { Running: true })
                _device.Stop();
        }
        catch (DemoStepException)
        {
        }
        Pump();
        _device?.Dispose();
        if (_observer is not null)
            await _observer.DisposeAsync();
        if (_backend is not null)
            await _backend.DisposeAsync();
    }

    private void PrintSummary(DemoReport report)
    {
        console.WriteLine();
        var table = new Table().Border(DemoProgress.IsLive(console) ? TableBorder.Rounded : TableBorder.Ascii).Title("demo summary")
            .AddColumn("step").AddColumn("result").AddColumn(new TableColumn("time").RightAligned()).AddColumn("detail");
        foreach (var s in report.Steps)
        {
            string colour = s.Outcome switch { DemoOutcome.Passed => "green", DemoOutcome.Failed => "red", _ => "grey" };
            table.AddRow(Markup.Escape(s.Step), $"[{colour}]{s.Result}[/]", $"{s.Elapsed.TotalSeconds:F1} s", Markup.Escape(s.Detail));
        }
        console.Write(table);
        int passed = report.Steps.Count(s => s.Outcome == DemoOutcome.Passed);
        console.MarkupLine($"demo {(report.Passed ? "[green]passed[/]" : "[red]FAILED[/]")}: {passed}/{report.Steps.Count} steps passed, total {report.Total.TotalSeconds:F1} s"
            + (report.Kept ? $"; folder kept: {Markup.Escape(report.Directory)}" : "; folder removed (--keep keeps it)"));
    }

    private static (string Host, int Port) Endpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return (endpoint[..colon], int.Parse(endpoint[(colon + 1)..]));
    }

    private static string Short(string serial) => serial.Length > 12 ? serial[..12] + "..." : serial;

    private static string Kb(int bytes) => $"{bytes / 1024} KB";
}
