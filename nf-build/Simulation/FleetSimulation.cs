using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Updates;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Release;

namespace NfBuild.Simulation;

/// <summary>
/// `nf-build fleet simulate`: N simulated devices of one fleet (<see cref="SimulatedFleet"/>), the fleet's backend
/// (<see cref="SimulationBackend"/>), one shared <see cref="DeviceScheduler"/>, then the scenario. Every scenario starts
/// with the connect phase; rollout and renew continue from there. Problems (devices that never came online, crashes,
/// renewals that did not commit) are listed in the report; an aborted rollout is a result, not a problem.
/// </summary>
public static class FleetSimulation
{
    public static async Task<SimulationReport> RunAsync(SimulationOptions o, CancellationToken cancel = default)
    {
        if (o.Devices < 1)
            throw new ArgumentOutOfRangeException(nameof(o), "--devices must be at least 1");
        var fleet = FleetDirectory.Open(o.FleetDirectory);
        var log = o.Log;
        var problems = new List<string>();
        // The operator identity exists before the broker definitions are written, so the broker has its user.
        FleetOperator.Ensure(fleet);

        // Rollout: the release must verify and be published before anything is provisioned.
        ReleaseVerification? release = null;
        string? manifestUrl = null;
        if (o.Scenario == SimulationScenario.Rollout)
        {
            if (o.ReleaseDirectory is null)
                throw new BackendException("the rollout scenario needs --release <dir>");
            WavePlan.Check(o.Waves);
            (release, manifestUrl) = ReleaseRollout.VerifyPublished(fleet, o.ReleaseDirectory);
        }

        var now = DateTimeOffset.UtcNow;
        // Renew: certificates inside the renewal window (half of it left), so every device renews as soon as it is online.
        var notAfter = o.Scenario == SimulationScenario.Renew
            ? now.AddDays(Math.Max(1, fleet.Settings.RenewalWindowDays / 2))
            : now.AddDays(fleet.Settings.DeviceCertDays);
        int parallelism = o.Parallelism > 0 ? o.Parallelism : Environment.ProcessorCount;
        var (chips, cost) = SimulatedFleet.Provision(fleet, o.IdPrefix ?? SimulatedFleet.NewRunPrefix(), o.Devices, notAfter, parallelism, log);

        await using var backend = SimulationBackend.Create(o.Backend, fleet, log);
        await backend.StartAsync(manifestUrl is null ? null : new Uri(manifestUrl).Port, cancel).ConfigureAwait(false);

        Func<string, string, OtaSettings> ota = (board, version) => new OtaSettings(board, version) { SelfTestWindowSeconds = o.SelfTestSeconds };
        var devices = chips.Select(c => new SimulatedDevice(c.Id, c.Chip, fleet.Root, ota)).ToList();
        Parallel.ForEach(devices, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, d => d.Boot());
        var originalSerials = devices.ToDictionary(d => d.Id, d => d.Runner.Identity!.Serial);
        if (o.Scenario == SimulationScenario.Connect)
            foreach (var d in devices)
                d.TelemetryToSend = 1;

        using var scheduler = new DeviceScheduler(devices, o.Workers, o.TickMs);
        log($"scheduler: {devices.Count} devices on {scheduler.Workers} worker threads, loop interval {o.TickMs} ms");
        long started = Stopwatch.GetTimestamp();
        scheduler.Start();
        ConnectReport connect;
        HandshakeReport? handshakes = null;
        RolloutReport? rollout = null;
        RenewReport? renew = null;
        try
        {
            connect = await ConnectPhaseAsync(devices, started, o, log, cancel).ConfigureAwait(false);
            if (connect.Online < devices.Count)
                problems.Add($"{devices.Count - connect.Online} of {devices.Count} devices never came online on the primary");
            if (o.Scenario == SimulationScenario.Connect && o.Handshakes > 0)
                handshakes = await HandshakesAsync(fleet, o.Handshakes, o.Workers, cancel).ConfigureAwait(false);
            if (o.Scenario == SimulationScenario.Rollout)
                rollout = await RolloutAsync(fleet, devices, release!, manifestUrl!, o, log, cancel).ConfigureAwait(false);
            if (o.Scenario == SimulationScenario.Renew)
            {
                renew = await RenewAsync(fleet, devices, originalSerials, started, o, log, cancel).ConfigureAwait(false);
                if (renew.Committed < renew.Devices)
                    problems.Add($"{renew.Devices - renew.Committed} of {renew.Devices} renewals were not committed by the backend in {o.RenewTimeout.TotalSeconds:F0} s");
            }
        }
        finally
        {
            scheduler.Stop();
        }
        GC.Collect();
        var memory = new MemoryReport(devices.Count, devices.Sum(d => d.Runner.Device.Flash.ResidentBytes), GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet);
        foreach (var d in devices.Where(d => d.Crash is not null).Take(5))
            problems.Add($"{d.Id} crashed: {d.Crash}");
        foreach (var d in devices.Where(d => d.OnlineAt == 0).Take(3))
            problems.Add($"{d.Id} never online; last lines: {string.Join(" | ", d.RecentLog.TakeLast(4))}");
        Parallel.ForEach(devices, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(o.Workers, 1) }, d => d.Shutdown());
        foreach (var d in devices)
            d.Dispose();
        return new SimulationReport(o.Scenario, backend.Name, cost, connect, handshakes, rollout, renew, memory, problems);
    }

    private static async Task<ConnectReport> ConnectPhaseAsync(List<SimulatedDevice> devices, long started, SimulationOptions o, Action<string> log, CancellationToken cancel)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(o.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        int lastReported = -1;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int online = devices.Count(d => d.OnlineAt != 0);
            bool publishing = o.Scenario != SimulationScenario.Connect || devices.All(d => d.OnlineAt == 0 || (d.App?.Connection.TelemetryDelivered ?? 0) > 0);
            if (online == devices.Count && publishing)
                break;
            if (devices.All(d => d.Stopped || d.OnlineAt != 0) && publishing)
                break;
            if (online / 100 != lastReported / 100 && online != lastReported)
            {
                log($"connect: {online}/{devices.Count} online after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
                lastReported = online;
            }
            await Task.Delay(100, cancel).ConfigureAwait(false);
        }
        var onlineDevices = devices.Where(d => d.OnlineAt != 0).ToList();
        var elapsed = onlineDevices.Count == 0 ? Stopwatch.GetElapsedTime(started) : Stopwatch.GetElapsedTime(started, onlineDevices.Max(d => d.OnlineAt));
        int delivered = devices.Count(d => (d.App?.Connection.TelemetryDelivered ?? 0) > 0);
        var report = new ConnectReport(devices.Count, onlineDevices.Count, delivered, elapsed, onlineDevices.Count / Math.Max(elapsed.TotalSeconds, 1e-3),
            LatencySummary.Of(onlineDevices.Select(d => d.ConnectMs)),
            LatencySummary.Of(onlineDevices.Select(d => Stopwatch.GetElapsedTime(started, d.OnlineAt).TotalMilliseconds)));
        log($"connect: {report.Online}/{report.Devices} online on the primary in {elapsed.TotalSeconds:F1} s ({report.ConnectsPerSecond:F1} connects/s = mTLS handshakes/s), {report.Publishing} delivered telemetry");
        return report;
    }

    /// <summary>Full mutual-TLS handshakes (TLS 1.2, ECDHE-ECDSA, the operator's certificate: the same key type and chain as a device's) against the first primary endpoint, then close.</summary>
    private static async Task<HandshakeReport> HandshakesAsync(FleetDirectory fleet, int count, int concurrency, CancellationToken cancel)
    {
        string endpoint = fleet.Settings.PrimaryEndpoints[0];
        int colon = endpoint.LastIndexOf(':');
        string host = endpoint[..colon].Trim('[', ']');
        int port = int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        using var root = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate);
        using var pem = X509Certificate2.CreateFromPemFile(fleet.OperatorCertificate, fleet.OperatorKey);
        using var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var latencies = new ConcurrentBag<double>();
        int failed = 0, next = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                long t = Stopwatch.GetTimestamp();
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(host, port, cancel).ConfigureAwait(false);
                    await using var ssl = new SslStream(tcp.GetStream(), false);
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        EnabledSslProtocols = SslProtocols.Tls12,
                        ClientCertificates = [cert],
                        RemoteCertificateValidationCallback = (_, c, ch, e) => PinnedServerCertificate.Validate(c, ch, e, root),
                    }, cancel).ConfigureAwait(false);
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }, cancel)).ToList();
        await Task.WhenAll(workers).ConfigureAwait(false);
        sw.Stop();
        return new HandshakeReport(count, failed, Math.Min(concurrency, count), sw.Elapsed, latencies.Count / sw.Elapsed.TotalSeconds, LatencySummary.Of(latencies));
    }

    private static async Task<RolloutReport> RolloutAsync(FleetDirectory fleet, List<SimulatedDevice> devices, ReleaseVerification release, string manifestUrl,
        SimulationOptions o, Action<string> log, CancellationToken cancel)
    {
        var timeout = TimeSpan.FromSeconds(15);
        await using var op = await OperatorSession.ConnectAsync(fleet, fleet.Settings.PrimaryEndpoints[0], timeout, cancel).ConfigureAwait(false);
        var waves = new WaveRolloutOptions { Waves = o.Waves, AbortFailureRate = o.AbortFailureRate, WaveTimeout = o.WaveTimeout, CommandTimeout = timeout };
        return await WaveRollout.RunAsync(op, devices.Select(d => d.Id).ToList(), manifestUrl, release.Manifest.Version, waves, log, cancel).ConfigureAwait(false);
    }

    private static async Task<RenewReport> RenewAsync(FleetDirectory fleet, List<SimulatedDevice> devices, Dictionary<string, string> originalSerials, long started,
        SimulationOptions o, Action<string> log, CancellationToken cancel)
    {
        var renewedAt = new Dictionary<string, long>(StringComparer.Ordinal);
        var deadline = Stopwatch.GetTimestamp() + (long)(o.RenewTimeout.TotalSeconds * Stopwatch.Frequency);
        long devicesDone = 0, commitsDone = 0;
        int committed = 0, lastLogged = -1;
        var nextRegistryRead = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            foreach (var d in devices)
            {
                if (renewedAt.ContainsKey(d.Id) || d.App is not { } app)
                    continue;
                // Renewed on the device: the active identity carries a new serial and the primary accepted it (the device
                // commits only then) and the status with it was acknowledged.
                if (app.Connection.IsOnPrimary && !string.Equals(app.ActiveSerial, originalSerials[d.Id], StringComparison.OrdinalIgnoreCase))
                    renewedAt[d.Id] = Stopwatch.GetTimestamp();
            }
            if (devicesDone == 0 && renewedAt.Count == devices.Count)
                devicesDone = Stopwatch.GetTimestamp();
            if (Stopwatch.GetTimestamp() >= nextRegistryRead)
            {
                var registry = fleet.Registry.Load();
                committed = devices.Count(d => registry.Get(d.Id) is { } r && !string.Equals(r.Serial, originalSerials[d.Id], StringComparison.OrdinalIgnoreCase) && r.PendingSerial is null);
                nextRegistryRead = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
                if (committed != lastLogged)
                {
                    log($"renew: {renewedAt.Count}/{devices.Count} renewed on the devices, {committed} committed by the backend after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
                    lastLogged = committed;
                }
                if (committed == devices.Count)
                {
                    commitsDone = Stopwatch.GetTimestamp();
                    if (devicesDone == 0)
                        devicesDone = commitsDone;
                    break;
                }
            }
            await Task.Delay(100, cancel).ConfigureAwait(false);
        }
        var end = Stopwatch.GetTimestamp();
        var devTime = Stopwatch.GetElapsedTime(started, devicesDone == 0 ? end : devicesDone);
        var commitTime = Stopwatch.GetElapsedTime(started, commitsDone == 0 ? end : commitsDone);
        var latency = LatencySummary.Of(devices.Where(d => renewedAt.ContainsKey(d.Id) && d.OnlineAt != 0)
            .Select(d => Stopwatch.GetElapsedTime(d.OnlineAt, renewedAt[d.Id]).TotalMilliseconds));
        var report = new RenewReport(devices.Count, renewedAt.Count, committed, devTime, commitTime, renewedAt.Count / Math.Max(devTime.TotalSeconds, 1e-3), latency);
        log($"renew: {report.Renewed}/{report.Devices} devices renewed in {devTime.TotalSeconds:F1} s ({report.RenewalsPerSecond:F1}/s; online -> renewed {latency}); "
            + $"{report.Committed} committed by the backend in {commitTime.TotalSeconds:F1} s");
        return report;
    }
}
