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
