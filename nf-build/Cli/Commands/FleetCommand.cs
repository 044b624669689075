using System.CommandLine;
using System.Globalization;
using NfBuild.Backend;
using NfBuild.Fleet;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `fleet init|add-device|revoke|list|crl refresh`: the fleet workspace (PKI, registry, CRL, device
/// bundles). Layout and the threat of each file: README.md, "Fleet workspace". No command prints a key
/// or a password.
/// </summary>
internal static class FleetCommand
{
    public static Command Create()
    {
        var fleet = new Command("fleet", "Fleet workspace: CA, broker and device certificates, registry, CRL, provisioning bundles.");
        fleet.Add(Init());
        fleet.Add(AddDevice());
        fleet.Add(Revoke());
        fleet.Add(List());
        fleet.Add(OperatorIdentity());
        fleet.Add(Simulate());
        fleet.Add(Status());
        var crl = new Command("crl", "The issuing CA's certificate revocation list.");
        crl.Add(CrlRefresh());
        fleet.Add(crl);
        return fleet;
    }

    private static Argument<DirectoryInfo> FleetDir() => new("dir") { Description = "Fleet workspace folder." };

    private static Argument<string> DeviceId() => new("device-id") { Description = "Device id: a-z 0-9 '-', 1..32 characters, no leading or trailing '-'." };

    private static Command Init()
    {
        var dir = FleetDir();
        var hosts = new Option<string[]>("--broker-host") { Description = "Broker host name or IP address, repeatable: the server certificate's SANs (default: localhost and 127.0.0.1). The first is the devices' endpoint host.", AllowMultipleArgumentsPerToken = false };
        var caDays = new Option<int>("--ca-days") { Description = "Validity of the root and issuing CA certificates in days.", DefaultValueFactory = _ => 3650, CustomParser = NumberParser.ParseIntArgument };
        var name = new Option<string>("--name") { Description = "Fleet name (O= of every certificate).", DefaultValueFactory = _ => "iotdevice" };
        var command = new Command("init", "Create a fleet workspace: root CA, issuing CA, broker server, renewal-service and operator certificates, empty CRL and registry, fleet.json. Refuses to overwrite a fleet.") { dir, hosts, caDays, name };
        command.SetAction(parse =>
        {
            string[] given = parse.GetValue(hosts) ?? [];
            var fleet = FleetInitializer.Create(parse.GetValue(dir)!.FullName, new FleetInitOptions
            {
                Name = parse.GetValue(name)!,
                BrokerHosts = given.Length > 0 ? given : ["localhost", "127.0.0.1"],
                CaDays = parse.GetValue(caDays),
            });
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"created fleet '{fleet.Settings.Name}' at {fleet.Root}");
            output.WriteLine($"  broker hosts: {string.Join(", ", fleet.Settings.BrokerHosts)}; primary {string.Join(",", fleet.Settings.PrimaryEndpoints)}, fallback {string.Join(",", fleet.Settings.FallbackEndpoints)}");
            output.WriteLine($"  root CA {Path.GetRelativePath(fleet.Root, fleet.RootCaCertificate)} (devices pin it); its key {Path.GetRelativePath(fleet.Root, fleet.RootCaKey)} is needed only to replace the issuing CA: move it offline");
            output.WriteLine($"  CRL {Path.GetRelativePath(fleet.Root, fleet.CrlFile)}, valid {Crl.Validity.TotalDays:0} days: run `nf-build fleet crl refresh` at least every {(Crl.Validity - Crl.RefreshWhenLessThan).TotalDays:0} days");
            return 0;
        });
        return command;
    }

    private static Command OperatorIdentity()
    {
        var dir = FleetDir();
        var command = new Command("operator", "Create the operator identity of a fleet made before it existed: pki/operator.pem (CN operator, clientAuth, from the issuing CA) and pki/operator.key (0600). Keeps an existing one.") { dir };
        command.SetAction(parse =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            bool created = FleetOperator.Ensure(fleet);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(created
                ? $"created the operator identity {Path.GetRelativePath(fleet.Root, fleet.OperatorCertificate)} / {Path.GetRelativePath(fleet.Root, fleet.OperatorKey)}; run `nf-build backend rabbitmq write` so the broker definitions carry the operator user"
                : $"operator identity exists: {Path.GetRelativePath(fleet.Root, fleet.OperatorCertificate)} / {Path.GetRelativePath(fleet.Root, fleet.OperatorKey)} (kept)");
            return 0;
        });
        return command;
    }

    private static Command AddDevice()
    {
        var dir = FleetDir();
        var id = DeviceId();
        var days = new Option<int?>("--days") { Description = "Certificate validity in days (default: deviceCertDays of fleet.json)." };
        var notAfter = new Option<string?>("--not-after") { Description = "Certificate notAfter as UTC time (e.g. 2030-01-31T12:00:00Z). A time in the past gives an already-expired identity, to rehearse renewal." };
        var wifiSsid = new Option<string?>("--wifi-ssid") { Description = "Wi-Fi network name to put in the device's NVS." };
        var wifiPass = new Option<string?>("--wifi-pass") { Description = "Wi-Fi password (WPA2) to put in the device's NVS; kept in the bundle's wifi-password file (0600)." };
        var command = new Command("add-device", "Issue a device identity: key, certificate, fallback password, registry entry and the provisioning bundle devices/<id>/ with nvs.csv.") { dir, id, days, notAfter, wifiSsid, wifiPass };
        command.SetAction(parse =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            string deviceId = parse.GetValue(id)!;
            int? d = parse.GetValue(days);
            string? na = parse.GetValue(notAfter);
            if (d is not null && na is not null)
                throw new CliUsageException("give either --days or --not-after, not both");
            if (d is < 1 or > 36500)
                throw new CliUsageException($"--days {d} must be 1..36500");
            DateTimeOffset expiry = na is not null ? ParseUtc(na, "--not-after") : DateTimeOffset.UtcNow.AddDays(d ?? fleet.Settings.DeviceCertDays);
            var result = DeviceProvisioning.AddDevice(fleet, new AddDeviceOptions
            {
                DeviceId = deviceId,
                NotAfter = expiry,
                WifiSsid = parse.GetValue(wifiSsid),
                WifiPassword = parse.GetValue(wifiPass),
            });
            var output = parse.InvocationConfiguration.Output;
            string bundle = Path.GetRelativePath(Environment.CurrentDirectory, result.BundleDirectory);
            output.WriteLine($"added device '{deviceId}': serial {result.Record.Serial}, notAfter {result.Record.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}{(result.Record.NotAfter <= DateTimeOffset.UtcNow ? " (already expired)" : "")}");
            output.WriteLine($"  provisioning bundle {result.BundleDirectory} (private key and fallback password, 0600)");
            output.WriteLine($"  NVS image: nf-build nvs generate {Path.Combine(bundle, DeviceBundle.NvsCsvFile)} --size 0x6000 --keys nvs_keys.bin -o nvs.bin");
            output.WriteLine("  delete the bundle folder once the device is provisioned");
            return 0;
        });
        return command;
    }

    private static Command Revoke()
    {
        var dir = FleetDir();
        var id = DeviceId();
        var broker = new Option<bool>("--broker")
        {
            Description = "Also delete the device's user on the fleet's running development broker (the two nodes `nf-build backend rabbitmq start` runs for this fleet): closes its open connections on the primary and its password login on the fallback.",
        };
        var command = new Command("revoke", "Revoke a device: registry state revoked, its current and pending serials on the re-signed CRL; with --broker also its broker users.") { dir, id, broker };
        command.SetAction(parse =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            string deviceId = parse.GetValue(id)!;
            DeviceIds.Validate(deviceId);
            // Located before anything changes: a fleet whose broker was never started fails here, with nothing revoked.
            IBrokerUserAdmin? admin = parse.GetValue(broker) ? BackendErrors(() => FleetBrokerAdmin.ForDevelopmentBroker(fleet)) : null;
            var output = parse.InvocationConfiguration.Output;
            RevocationResult result;
            try
            {
                result = DeviceRevocation.Revoke(fleet, deviceId, admin);
            }
            catch (BackendException e)
            {
                // The CRL and the registry are done (DeviceRevocation calls the broker last); only the user removal failed.
                throw new CliUsageException($"device '{deviceId}' is revoked (CRL and registry), but deleting its broker users failed: {e.Message}. " +
                    "Run the command again once the broker runs; `backend rabbitmq start` also drops revoked devices' users");
            }
            output.WriteLine(result.AlreadyRevoked ? $"device '{deviceId}' was already revoked" : $"revoked device '{deviceId}'");
            output.WriteLine(result.SerialsAdded.Count == 0
                ? $"  CRL re-signed; it already listed the device's serials"
                : $"  CRL re-signed with serial(s) {string.Join(", ", result.SerialsAdded)}: {Path.GetRelativePath(fleet.Root, fleet.CrlFile)}");
            if (result.BrokerUserRemoved)
            {
                output.WriteLine($"  deleted broker user '{deviceId}' on the primary and the fallback node: its open connections are closed");
            }
            else
            {
                output.WriteLine("  still to do (no broker admin wired; --broker does it for the development broker):");
                output.WriteLine($"    - delete user '{deviceId}' on the fallback broker (e.g. rabbitmqctl delete_user {deviceId}): it logs in by password, the CRL does not stop it");
                output.WriteLine($"    - close the device's open connections on the primary broker: the CRL is checked only at the TLS handshake");
            }
            return 0;
        });
        return command;
    }

    private static Command Simulate()
    {
        var dir = FleetDir();
        var devices = new Option<int>("--devices") { Description = "How many virtual devices (new identities sim-<run>-<n> are added to the fleet).", DefaultValueFactory = _ => 20, CustomParser = NumberParser.ParseIntArgument };
        var scenario = new Option<string>("--scenario") { Description = "connect | rollout | renew.", DefaultValueFactory = _ => "connect" };
        var backend = new Option<string>("--backend") { Description = "embedded (in this process) | rabbitmq (the fleet's two nodes, started and stopped by the simulation).", DefaultValueFactory = _ => "embedded" };
        var release = new Option<DirectoryInfo?>("--release") { Description = "rollout: the release folder (`release create`, published with `release publish`)." };
        var waves = new Option<string>("--waves") { Description = "rollout: cumulative percentages of the fleet per wave.", DefaultValueFactory = _ => "5,25,100" };
        var abort = new Option<double>("--abort-above", "--abort-failure-rate") { Description = "rollout: abort when a wave's failed share (rolled back, rejected, no answer) is above this, 0..1 (the name `release rollout` uses; --abort-failure-rate is the older one).", DefaultValueFactory = _ => 0.2 };
        var selfTest = new Option<int>("--self-test-seconds") { Description = "rollout: the simulated firmware's OTA self-test window.", DefaultValueFactory = _ => 20, CustomParser = NumberParser.ParseIntArgument };
        var workers = new Option<int>("--workers") { Description = "Scheduler threads stepping the devices (the most devices in a TLS handshake at once).", DefaultValueFactory = _ => 32, CustomParser = NumberParser.ParseIntArgument };
        var timeout = new Option<int>("--timeout") { Description = "Seconds the connect phase, each rollout wave, and a renew run may take (default 180, 180, 600).", DefaultValueFactory = _ => 0, CustomParser = NumberParser.ParseIntArgument };
        var handshakes = new Option<int>("--handshakes") { Description = "connect: afterwards, this many raw mutual-TLS handshakes to the primary (TLS handshakes/s).", DefaultValueFactory = _ => 0, CustomParser = NumberParser.ParseIntArgument };
        var command = new Command("simulate", "Run N virtual devices of this fleet in one process against its backend: connect, rollout (waves, abort on failures) or renew; prints throughput and latency percentiles.")
            { dir, devices, scenario, backend, release, waves, abort, selfTest, workers, handshakes, timeout };
        command.SetAction(async (parse, cancel) =>
        {
            var kind = parse.GetValue(scenario) switch
            {
                "connect" => NfBuild.Simulation.SimulationScenario.Connect,
                "rollout" => NfBuild.Simulation.SimulationScenario.Rollout,
                "renew" => NfBuild.Simulation.SimulationScenario.Renew,
                var other => throw new CliUsageException($"--scenario '{other}' is not connect, rollout or renew"),
            };
            var backendKind = parse.GetValue(backend) switch
            {
                "embedded" => NfBuild.Simulation.SimulationBackendKind.Embedded,
                "rabbitmq" => NfBuild.Simulation.SimulationBackendKind.RabbitMq,
                var other => throw new CliUsageException($"--backend '{other}' is not embedded or rabbitmq"),
            };
            var waveList = new List<int>();
            foreach (var part in parse.GetValue(waves)!.Split(',', StringSplitOptions.TrimEntries))
                waveList.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int w) ? w : throw new CliUsageException($"--waves: '{part}' is not a percentage"));
            double rate = parse.GetValue(abort);
            if (rate is < 0 or > 1)
                throw new CliUsageException("--abort-above must be between 0 and 1");
            int count = parse.GetValue(devices), workerCount = parse.GetValue(workers);
            if (count < 1 || workerCount < 1)
                throw new CliUsageException("--devices and --workers must be at least 1");
            if (kind == NfBuild.Simulation.SimulationScenario.Rollout && parse.GetValue(release) is null)
                throw new CliUsageException("--scenario rollout needs --release <dir>");
            var output = parse.InvocationConfiguration.Output;
            int seconds = parse.GetValue(timeout);
            var defaults = new NfBuild.Simulation.SimulationOptions { FleetDirectory = "", Devices = 1, Scenario = kind };
            var report = await NfBuild.Simulation.FleetSimulation.RunAsync(new NfBuild.Simulation.SimulationOptions
            {
                ConnectTimeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : defaults.ConnectTimeout,
                WaveTimeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : defaults.WaveTimeout,
                RenewTimeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : defaults.RenewTimeout,
                FleetDirectory = parse.GetValue(dir)!.FullName,
                Devices = count,
                Scenario = kind,
                Backend = backendKind,
                ReleaseDirectory = parse.GetValue(release)?.FullName,
                Waves = waveList,
                AbortFailureRate = rate,
                SelfTestSeconds = parse.GetValue(selfTest),
                Workers = workerCount,
                Handshakes = parse.GetValue(handshakes),
                Log = line => { lock (output) output.WriteLine(line); },
            }, cancel);
            foreach (var line in NfBuild.Simulation.SimulationReportText.Lines(report))
                output.WriteLine(line);
            if (!report.Succeeded)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: the simulation had {report.Problems.Count} problem(s); see 'problem:' above");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var dir = FleetDir();
        var command = new Command("status", "Show every active device's retained status as the fleet's operator, read from every primary endpoint: version, slot, certificate expiry, last renewal and OTA outcome, online/offline.") { dir };
        command.SetAction(async (parse, cancel) =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            var result = await FleetStatusReader.ReadAsync(fleet, cancel: cancel);
            var output = parse.InvocationConfiguration.Output;
            foreach (var e in result.EndpointErrors)
                output.WriteLine("endpoint not read: " + e);
            if (result.EndpointsRead.Count == 0)
                throw new CliUsageException("no primary endpoint could be read: " + string.Join("; ", result.EndpointErrors));
            int idWidth = Math.Max(2, result.Devices.Select(d => d.Device.Id.Length).DefaultIfEmpty(0).Max());
            output.WriteLine($"{"ID".PadRight(idWidth)}  {"STATE",-8}  {"VERSION",-10}  SLOT  {"CERT NOT AFTER",-20}  {"RENEWAL",-12}  {"OTA",-24}  NODE");
            foreach (var row in result.Devices.OrderBy(d => d.Device.Id, StringComparer.Ordinal))
            {
                if (row.Status is not { } s)
                {
                    output.WriteLine($"{row.Device.Id.PadRight(idWidth)}  {"unknown",-8}  {"-",-10}  {"-",4}  {row.Device.NotAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),-20}  {"-",-12}  {"-",-24}  (no retained status: never connected)");
                    continue;
                }
                var r = s.Report;
                output.WriteLine($"{row.Device.Id.PadRight(idWidth)}  {r.State,-8}  {r.Version,-10}  {r.Slot,4}  {r.NotAfter,-20}  {r.Renewal,-12}  {r.Ota,-24}  {s.Endpoint}");
            }
            int online = result.Devices.Count(d => d.Status?.Report.State == "online");
            output.WriteLine($"{result.Devices.Count} device(s): {online} online, {result.Devices.Count(d => d.Status?.Report.State == "offline")} offline, {result.Devices.Count(d => d.Status is null)} without status; endpoints read: {string.Join(", ", result.EndpointsRead)}");
            return 0;
        });
        return command;
    }

    private static T BackendErrors<T>(Func<T> f)
    {
        try
        {
            return f();
        }
        catch (BackendException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static Command List()
    {
        var dir = FleetDir();
        var command = new Command("list", "List the fleet's devices: id, serial, notAfter, state. Shows no secret.") { dir };
        command.SetAction(parse =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            var devices = fleet.Registry.Load().Devices;
            var output = parse.InvocationConfiguration.Output;
            DateTimeOffset now = DateTimeOffset.UtcNow;
            int idWidth = Math.Max(2, devices.Select(d => d.Id.Length).DefaultIfEmpty(0).Max());
            output.WriteLine($"{"ID".PadRight(idWidth)}  {"SERIAL",-32}  {"NOT AFTER",-20}  STATE");
            foreach (var d in devices.OrderBy(d => d.Id, StringComparer.Ordinal))
                output.WriteLine($"{d.Id.PadRight(idWidth)}  {d.Serial,-32}  {d.NotAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),-20}  {StateWord(d.StatusAt(now))}");
            output.WriteLine($"{devices.Count} device(s)");
            return 0;
        });
        return command;
    }

    private static Command CrlRefresh()
    {
        var dir = FleetDir();
        var force = new Option<bool>("--force") { Description = "Re-sign even when more than 20 days remain." };
        var command = new Command("refresh", "Re-sign the CRL when fewer than 20 days remain before its nextUpdate (30-day validity).") { dir, force };
        command.SetAction(parse =>
        {
            var fleet = FleetDirectory.Open(parse.GetValue(dir)!.FullName);
            using var pki = FleetPki.Open(fleet);
            bool resigned = Crl.Refresh(fleet, pki, FleetPki.Now(), parse.GetValue(force));
            CrlInfo crl = Crl.Read(fleet);
            parse.InvocationConfiguration.Output.WriteLine(
                $"{(resigned ? "CRL re-signed" : "CRL still fresh, not re-signed")}: nextUpdate {crl.NextUpdate?.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, {crl.RevokedSerials.Count} revoked serial(s)");
            return 0;
        });
        return command;
    }

    private static string StateWord(DeviceStatus status) => status switch
    {
        DeviceStatus.Active => "active",
        DeviceStatus.Expired => "expired",
        DeviceStatus.RenewalPending => "renewal pending",
        _ => "revoked",
    };

    internal static DateTimeOffset ParseUtc(string text, string option)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            throw new CliUsageException($"{option} '{text}' is not a UTC time (use e.g. 2030-01-31T12:00:00Z)");
        return value;
    }
}
