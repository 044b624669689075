using System.CommandLine;
using NfBuild.Backend;
using NfBuild.Renewal;
using NfBuild.Fleet;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `backend rabbitmq write|start`, `backend renewal` and `backend embedded start`: the RabbitMQ backend of a fleet directory (README.md, "RabbitMQ backend").
/// </summary>
internal static class BackendCommand
{
    public static Command Create()
    {
        var backend = new Command("backend", "The fleet's message broker (RabbitMQ 3.10, two nodes), the renewal service transport and the HTTPS firmware server (Apache 2.4).");
        var rabbit = new Command("rabbitmq", "Primary (mTLS, certificate login) and fallback (password login, renewal only) RabbitMQ nodes.");
        rabbit.Add(Write());
        rabbit.Add(Start());
        backend.Add(rabbit);
        backend.Add(Renewal());
        var embedded = new Command("embedded", "The fleet's broker in-process (MQTTnet): primary and fallback endpoints with the RabbitMQ definitions' rules, the renewal service built in.");
        embedded.Add(EmbeddedStart());
        backend.Add(embedded);
        backend.Add(ApacheCommand.Create());
        return backend;
    }

    private static Argument<DirectoryInfo> FleetDir() => new("fleet-dir") { Description = "The fleet directory (fleet.json, pki/, registry/)." };

    private static FleetDirectory Layout(DirectoryInfo dir)
    {
        if (!dir.Exists)
            throw new CliUsageException($"fleet directory '{dir.FullName}' does not exist");
        return FleetDirectory.Open(dir.FullName);
    }

    private static Option<string> Bind() => new("--bind") { Description = "Address the MQTTS/AMQPS listeners bind to.", DefaultValueFactory = _ => "127.0.0.1" };

    private static Option<string> CrlCheck() => new("--crl-check")
    {
        Description = "CRL check of client certificates: best-effort (default; an outdated CRL never locks the fleet out), peer, none.",
        DefaultValueFactory = _ => "best-effort",
    };

    private static RabbitMqWriteOptions WriteOptions(string bind, string crl)
    {
        if (!System.Net.IPAddress.TryParse(bind, out _))
            throw new CliUsageException($"--bind '{bind}' is not an IP address");
        var mode = crl switch
        {
            "best-effort" => CrlCheckMode.BestEffort,
            "peer" => CrlCheckMode.Peer,
            "none" => CrlCheckMode.None,
            _ => throw new CliUsageException($"--crl-check '{crl}': expected best-effort, peer or none"),
        };
        return new RabbitMqWriteOptions { BindAddress = bind, CrlCheck = mode };
    }

    private static Command Write()
    {
        var fleet = FleetDir();
        var bind = Bind();
        var crl = CrlCheck();
        var nodes = new Option<int?>("--nodes") { Description = "Primary nodes: 1, or a cluster of 3 or more (sets fleet.json's ports.primaryPeers and primaryEndpoints; provision devices afterwards so they carry every endpoint). Default: as fleet.json has it." };
        var command = new Command("write", "Write <fleet>/backend/rabbitmq/{primary,primary-<k>,fallback}/: rabbitmq.conf, advanced.config, enabled_plugins, definitions.json.") { fleet, bind, crl, nodes };
        command.SetAction(parse =>
        {
            var layout = Layout(parse.GetValue(fleet)!);
            if (parse.GetValue(nodes) is { } n)
            {
                try
                {
                    layout = PrimaryClusterLayout.Configure(layout, n);
                }
                catch (BackendException ex)
                {
                    throw new CliUsageException(ex.Message);
                }
            }
            var result = RabbitMqConfigWriter.Write(layout, WriteOptions(parse.GetValue(bind)!, parse.GetValue(crl)!));
            var output = parse.InvocationConfiguration.Output;
            foreach (var w in result.Warnings)
                parse.InvocationConfiguration.Error.WriteLine("warning: " + w);
            foreach (var node in result.All)
                output.WriteLine($"{node.DirectoryName}: {Path.Combine(layout.BackendRabbitMqDirectory, node.DirectoryName)} (vhost {node.Vhost}, MQTTS {node.MqttsPort}, AMQPS {node.AmqpsPort})");
            return 0;
        });
        return command;
    }

    private static Command Start()
    {
        var fleet = FleetDir();
        var bind = Bind();
        var crl = CrlCheck();
        var command = new Command("start", "Rewrite the configuration from the registry, start the nodes (primary or primary cluster, fallback) in the foreground, stop them on Ctrl-C or SIGTERM.") { fleet, bind, crl };
        command.SetAction(async (parse, cancel) =>
        {
            var layout = Layout(parse.GetValue(fleet)!);
            var output = parse.InvocationConfiguration.Output;
            // The registry is the source of truth: a device revoked since the last write must not come back at boot.
            var written = RabbitMqConfigWriter.Write(layout, WriteOptions(parse.GetValue(bind)!, parse.GetValue(crl)!));
            foreach (var w in written.Warnings)
                parse.InvocationConfiguration.Error.WriteLine("warning: " + w);
            using var stop = StopSignal.Listen(cancel);
            output.WriteLine(written.PrimaryPeers.Count > 0 ? $"starting RabbitMQ nodes (primary cluster of {written.PrimaryPeers.Count + 1}, fallback)..." : "starting RabbitMQ nodes (primary, fallback)...");
            await using var backend = await RabbitMqBackend.StartAsync(layout, cancel: cancel);
            foreach (var f in backend.ClusterFormation)
                output.WriteLine("cluster: " + f);
            foreach (var r in backend.RemovedStaleUsers)
                output.WriteLine("removed stale broker user " + r);
            string host = parse.GetValue(bind)!;
            output.WriteLine($"primary  {backend.Primary.NodeName}: mqtts://{host}:{written.Primary.MqttsPort} (client certificate), amqps://{host}:{written.Primary.AmqpsPort}/{written.Primary.Vhost} (renewal service)");
            foreach (var (peer, config) in backend.PrimaryPeers.Zip(written.PrimaryPeers))
                output.WriteLine($"{config.DirectoryName} {peer.NodeName}: mqtts://{host}:{config.MqttsPort} (client certificate, same cluster), amqps://{host}:{config.AmqpsPort}/{config.Vhost}");
            output.WriteLine($"fallback {backend.Fallback.NodeName}: mqtts://{host}:{written.Fallback.MqttsPort} (password), amqps://{host}:{written.Fallback.AmqpsPort}/{written.Fallback.Vhost} (renewal service)");
            output.WriteLine("running; Ctrl-C or SIGTERM stops every node");
            while (!stop.Token.IsCancellationRequested && !backend.Primary.HasExited && !backend.Fallback.HasExited)
            {
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
            }
            // A terminal's Ctrl-C reaches the whole foreground process group: Debian's rabbitmq-server script traps
            // SIGINT and stops its node itself, possibly before our handler ran. A node that exits right after a stop
            // request is the stop, not a failure.
            if (!stop.Token.IsCancellationRequested)
            {
                try { await Task.Delay(3000, stop.Token); } catch (OperationCanceledException) { }
            }
            if (!stop.Token.IsCancellationRequested && (backend.Primary.HasExited || backend.Fallback.HasExited))
                throw new CliUsageException("a broker node exited: " + (backend.Primary.HasExited ? backend.Primary.Diagnostics() : backend.Fallback.Diagnostics()));
            output.WriteLine("stopping...");
            await backend.StopAsync();
            output.WriteLine("stopped");
            return 0;
        });
        return command;
    }

    private static Command Renewal()
    {
        var fleet = FleetDir();
        var host = new Option<string>("--host") { Description = "Broker host name (must be in the broker certificate's SAN).", DefaultValueFactory = _ => "localhost" };
        var command = new Command("renewal", "Run the renewal service (the renewal authority over AMQPS) against both nodes of the fleet's development broker until Ctrl-C or SIGTERM.") { fleet, host };
        command.SetAction(async (parse, cancel) =>
        {
            var layout = Layout(parse.GetValue(fleet)!);
            var output = parse.InvocationConfiguration.Output;
            // The fallback node's admin rotates a device's fallback password when its renewal commits; it needs the
            // development broker `backend rabbitmq start` runs for this fleet (its recorded node names).
            var admin = FleetBrokerAdmin.ForDevelopmentBroker(layout);
            var authority = new RenewalAuthority(layout, passwords: new BrokerFallbackPasswords(admin.Fallback));
            authority.Decided += decision => output.WriteLine("renewal: " + decision);
            // Commits in batches (one CRL re-signing, one import_definitions on the fallback node, one registry write per
            // 200 ms window) without blocking the request consumer. Several `backend renewal` processes may run at once:
            // they share the request and status queues as competing consumers (README "Renewal service scaling").
            await using var commits = new RenewalCommitBatcher(authority, log: output.WriteLine);
            var handler = new AuthorityRenewalHandler(authority, commits);
            string h = parse.GetValue(host)!;
            using var stop = StopSignal.Listen(cancel);
            await using var primary = new RenewalServiceHost(layout, RenewalEndpoint.Of(layout, BrokerRole.Primary, h), handler, output.WriteLine);
            await using var fallback = new RenewalServiceHost(layout, RenewalEndpoint.Of(layout, BrokerRole.Fallback, h), handler, output.WriteLine);
            await primary.StartAsync(cancel);
            await fallback.StartAsync(cancel);
            output.WriteLine("running; Ctrl-C or SIGTERM stops");
            await KeepCrlFreshAsync(layout, output, stop.Token);
            return 0;
        });
        return command;
    }

    /// <summary>Hands the renewal authority's password rotation to the embedded backend once it runs.</summary>
    private sealed class DeferredPasswords : IFallbackPasswordSetter
    {
        public IFallbackPasswordSetter? Target { get; set; }

        public void SetFallbackPasswordHash(string deviceId, string passwordHash) =>
            (Target ?? throw new InvalidOperationException("embedded backend not started")).SetFallbackPasswordHash(deviceId, passwordHash);
    }

    private static Command EmbeddedStart()
    {
        var fleet = FleetDir();
        var bind = Bind();
        var crl = CrlCheck();
        var noRenewal = new Option<bool>("--no-renewal") { Description = "Do not run the renewal service (requests are accepted and dropped)." };
        var firmwarePort = new Option<int>("--firmware-port") { Description = "Port of the HTTPS firmware server (the fleet's htdocs; 0: any free port).", DefaultValueFactory = _ => NfBuild.EmbeddedBackend.EmbeddedFirmwareServer.DefaultPort, CustomParser = NumberParser.ParseIntArgument };
        var noFirmware = new Option<bool>("--no-firmware-server") { Description = "Do not serve the firmware document root." };
        var command = new Command("start", "Run both endpoints on fleet.json's MQTTS ports, the HTTPS firmware server and the renewal service in the foreground until Ctrl-C or SIGTERM.") { fleet, bind, crl, noRenewal, firmwarePort, noFirmware };
        command.SetAction(async (parse, cancel) =>
        {
            var layout = Layout(parse.GetValue(fleet)!);
            var output = parse.InvocationConfiguration.Output;
            var write = WriteOptions(parse.GetValue(bind)!, parse.GetValue(crl)!);
            var passwords = new DeferredPasswords();
            if (parse.GetValue(firmwarePort) is < 0 or > 65535)
                throw new CliUsageException($"--firmware-port {parse.GetValue(firmwarePort)} is not a port (0..65535; 0: any free port)");
            IRenewalHandler? handler = null;
            RenewalCommitBatcher? batcher = null;
            if (!parse.GetValue(noRenewal))
            {
                var authority = new RenewalAuthority(layout, passwords: passwords);
                authority.Decided += decision => output.WriteLine("renewal: " + decision);
                // Commits in batches, as `backend renewal` does; disposed after the backend (declared before it).
                batcher = new RenewalCommitBatcher(authority, log: output.WriteLine);
                handler = new AuthorityRenewalHandler(authority, batcher);
            }
            await using var commits = batcher;
            using var stop = StopSignal.Listen(cancel);
            await using var backend = await NfBuild.EmbeddedBackend.EmbeddedBackend.StartAsync(layout, new NfBuild.EmbeddedBackend.EmbeddedBackendOptions
            {
                BindAddress = System.Net.IPAddress.Parse(write.BindAddress),
                CrlCheck = write.CrlCheck,
                Renewal = handler,
                Log = output.WriteLine,
                FirmwareServer = !parse.GetValue(noFirmware),
                FirmwarePort = parse.GetValue(firmwarePort),
            });
            passwords.Target = backend;
            output.WriteLine(handler is null ? "renewal service: off" : "renewal service: in-process (renewal authority)");
            if (backend.Firmware is { } firmware)
                output.WriteLine($"firmware server: {firmware.BaseUrl} (document root {firmware.DocumentRoot})");
            output.WriteLine("running; Ctrl-C or SIGTERM stops");
            await KeepCrlFreshAsync(layout, output, stop.Token); // read by the endpoints at every handshake
            output.WriteLine("stopped");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Until <paramref name="stop"/>: the CRL re-signed when fewer than 20 of its 30 days remain (a no-op otherwise),
    /// checked hourly. A service that runs all the time keeps it fresh: a lapsed CRL is ignored by the brokers
    /// (best_effort), which would let a revoked certificate through the handshake again.
    /// </summary>
    private static async Task KeepCrlFreshAsync(NfBuild.Fleet.FleetDirectory layout, TextWriter output, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using (var pki = FleetPki.Open(layout))
                if (Crl.Refresh(layout, pki, FleetPki.Now()))
                    output.WriteLine("CRL re-signed (next update in 30 days)");
            try { await Task.Delay(TimeSpan.FromHours(1), stop); } catch (OperationCanceledException) { }
        }
    }
}
