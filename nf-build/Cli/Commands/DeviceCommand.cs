using System.CommandLine;
using NfBuild.VirtualDevice;
using NfBuild.VirtualDevice.Provisioning;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `device provision|run|decommission`. `provision` builds one ProvisioningPlan from the device's bundle and
/// either runs it on a board with esptool/espsecure/espefuse (--port; --dry-run prints it), or on a virtual
/// Lolin32 (--virtual: flash.bin + efuses.json; --no-encryption for the audit control case); `run` boots a
/// virtual device and keeps it online on its brokers; `decommission` wipes identity and NVS.
/// </summary>
internal static class DeviceCommand
{
    public static Command Create()
    {
        var device = new Command("device", "Virtual ESP32 devices provisioned from a fleet bundle.");
        device.Add(Provision());
        device.Add(Run());
        device.Add(Decommission());
        return device;
    }

    private static Command Provision()
    {
        var fleet = new Argument<DirectoryInfo>("fleet-dir") { Description = "Fleet directory (holds devices/<id>/nvs.csv)." };
        var id = new Argument<string>("device-id") { Description = "Device id (a-z, 0-9, '-')." };
        var target = new Option<DirectoryInfo?>("--virtual") { Description = "Provision a virtual Lolin32 into this folder (flash.bin, efuses.json); must not hold one yet." };
        var port = new Option<string?>("--port") { Description = "Serial port of the real board (e.g. /dev/ttyUSB0); drives esptool/espsecure/espefuse v5." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the exact command sequence for --port and write its files to the work dir; touch no board." };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Folder for the work files (default: a new temporary folder, named in the output)." };
        var mode = new Option<ProvisioningMode>("--mode") { Description = "development (reflashable over serial) or release (irreversible lock-down).", DefaultValueFactory = _ => ProvisioningMode.Development };
        var confirm = new Option<bool>("--confirm-irreversible") { Description = "Allow burning eFuses (key, flash encryption, release mode) on a real board. They can never be undone." };
        var plain = new Option<bool>("--no-encryption") { Description = "Plaintext flash and NVS (audit control case: secrets readable in the dump); virtual device or dry run only." };
        var partitions = new Option<FileInfo?>("--partitions") { Description = "partitions.csv to use instead of the product table built into the tool." };
        var bootloader = new Option<FileInfo?>("--bootloader") { Description = "Second-stage bootloader (built with flash + NVS encryption) for 0x1000; required on a real board." };
        var app = new Option<FileInfo?>("--app") { Description = "nanoCLR app image for ota_0 (default: the placeholder, virtual ESP32 only); required on a real board." };
        var deploy = new Option<FileInfo?>("--deploy") { Description = "Managed-code deployment for deploy_0." };
        var flashKey = new Option<FileInfo?>("--flash-key") { Description = "Use this 32-byte flash encryption key file instead of generating one for the device." };
        var onChip = new Option<bool>("--on-chip-key") { Description = "Let the chip generate its key on the first boot (bootloader built with flash encryption on): nothing encrypted on the host, no eFuse burned by the tools." };
        var secureBoot = new Option<bool>("--secure-boot") { Description = "Secure boot v2 (ESP32 v3.0+ only): sign bootloader and app with the fleet's RSA-3072 key, burn its digest (BLOCK2) and ABS_DONE_1 after every flash write. Irreversible." };
        var signingKey = new Option<FileInfo?>("--signing-key") { Description = "Secure boot signing key (RSA-3072 PEM); default <fleet-dir>/secure_boot/signing_key.pem, created (0600) if missing." };
        var baud = new Option<int>("--baud") { Description = "esptool write baud rate.", DefaultValueFactory = _ => 460800, CustomParser = NumberParser.ParseIntArgument };
        var seed = new Option<long?>("--test-key-seed") { Description = "TESTS ONLY: deterministic keys and placeholder build time from this seed.", Hidden = true };
        var command = new Command("provision",
            "Provision one device of a fleet: per-device flash encryption key, NVS (identity, CA, Wi-Fi, fallback credentials, rel_pubkey) encrypted with its nvs_keys, " +
            "encrypted bootloader/table/otadata/app/deploy/nvs_keys, eFuses for development or release mode. On a board (--port, with --dry-run to review), or a virtual Lolin32 (--virtual).")
            { fleet, id, target, port, dryRun, workDir, mode, confirm, plain, partitions, bootloader, app, deploy, flashKey, onChip, secureBoot, signingKey, baud, seed };
        command.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            string deviceId = parse.GetValue(id)!;
            string fleetDir = parse.GetValue(fleet)!.FullName;
            DirectoryInfo? virtualDir = parse.GetValue(target);
            string? serial = parse.GetValue(port);
            bool dry = parse.GetValue(dryRun);
            long? testSeed = parse.GetValue(seed);
            if ((virtualDir is null) == (serial is null))
                throw new CliUsageException("give either --virtual <dir> (virtual Lolin32) or --port <serial-port> (real board, with --dry-run to review first)");
            if (dry && virtualDir is not null)
                throw new CliUsageException("--dry-run prints the commands for a board: use it with --port, not --virtual");
            if (serial is not null && !dry && parse.GetValue(plain))
                throw new CliUsageException("--no-encryption writes the device's key in plaintext: it is the audit control case for virtual devices and dry runs only");
            if (testSeed is not null && serial is not null && !dry)
                throw new CliUsageException("--test-key-seed gives keys anyone can recompute: dry runs and virtual devices only");
            if (testSeed is not null)
                o.WriteLine("WARNING: --test-key-seed: deterministic keys, for tests only; never use this device outside a test");

            var options = new ProvisionOptions
            {
                Encrypt = !parse.GetValue(plain),
                Mode = parse.GetValue(mode),
                PartitionsCsvPath = parse.GetValue(partitions)?.FullName,
                BootloaderPath = parse.GetValue(bootloader)?.FullName,
                AppPath = parse.GetValue(app)?.FullName,
                DeployPath = parse.GetValue(deploy)?.FullName,
                FlashKeyPath = parse.GetValue(flashKey)?.FullName,
                OnChipKey = parse.GetValue(onChip),
                SecureBoot = parse.GetValue(secureBoot),
                SigningKeyPath = parse.GetValue(signingKey)?.FullName,
                Random = testSeed is { } s ? new SeededProvisioningRandom(s) : SystemProvisioningRandom.Instance,
                AppBuildTime = testSeed is null ? null : new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            };
            try
            {
                if (virtualDir is not null)
                    return ProvisionVirtual(o, fleetDir, deviceId, virtualDir.FullName, options);
                if (!dry && (options.BootloaderPath is null || options.AppPath is null))
                    throw new CliUsageException("a real board needs --bootloader and --app (the placeholder app and an erased bootloader boot only on the virtual ESP32)");
                string work = WorkDirectory(parse.GetValue(workDir), deviceId);
                var request = options.ToRequest(fleetDir, deviceId);
                var context = new ToolContext(serial!, work, parse.GetValue(baud));
                if (dry)
                {
                    ProvisioningPlan plan = ProvisioningPlanBuilder.Build(request);
                    WorkFiles.Write(plan, work);
                    foreach (string line in ToolCommandRenderer.RenderScript(plan, context))
                        o.WriteLine(line);
                    o.WriteLine($"# dry run: no board was touched; the work files above are in {work} (they include the flash encryption key and nvs_keys: delete the folder when done)");
                    if (plan.HasIrreversibleSteps)
                        o.WriteLine(plan.FirstBootEncrypts
                        ? "# after these writes, the board's first boot generates its key and burns the eFuses: a real run needs --confirm-irreversible"
                        : "# a real run of this sequence burns eFuses and needs --confirm-irreversible");
                    return 0;
                }
                // Refuse before touching the board; the revision decides whether UART_DOWNLOAD_DIS is part of release mode.
                BoardProvisioner.CheckConfirmation(ProvisioningPlanBuilder.Build(request with { Random = new SeededProvisioningRandom(0) }), parse.GetValue(confirm));
                var board = new BoardProvisioner(new ProcessToolRunner(), o);
                ChipInfo chip = board.CheckPreconditions(serial!, options.Encrypt && !options.OnChipKey, work);
                o.WriteLine($"{serial}: {chip.Description} (revision v{chip.RevisionMajor}.{chip.RevisionMinor}), esptool {chip.EsptoolVersion}, eFuses blank");
                ProvisioningPlan real = ProvisioningPlanBuilder.Build(request with { ChipRevisionMajor = chip.RevisionMajor });
                foreach (string note in real.Notes)
                    o.WriteLine("note: " + note);
                board.Execute(real, context);
                o.WriteLine(real.FirstBootEncrypts
                    ? $"wrote {deviceId} to {serial} in plaintext; reset the board (EN): its first boot generates the key, encrypts the flash and burns the eFuses ({options.Mode.ToString().ToLowerInvariant()} mode, as the bootloader was built). Do not interrupt it."
                    : $"provisioned {deviceId} on {serial} in {options.Mode.ToString().ToLowerInvariant()} mode; key and plaintext nvs_keys deleted from {work}. Reset the board (EN) to boot it.");
                o.WriteLine("the bundle still holds the device's private key and fallback password: delete it once the device is provisioned");
                return 0;
            }
            catch (ProvisioningException e)
            {
                throw new CliUsageException(e.Message);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
        });
        return command;
    }

    private static int ProvisionVirtual(TextWriter o, string fleetDir, string deviceId, string dir, ProvisionOptions options)
    {
        ProvisionResult result = VirtualProvisioner.Provision(fleetDir, deviceId, dir, options);
        o.WriteLine($"provisioned {deviceId} into {result.Directory}: boots version {result.RunningVersion} from ota_0, "
            + (result.Encrypted
                ? $"flash encryption ({options.Mode.ToString().ToLowerInvariant()} mode) and NVS encryption on"
                : "NO encryption (plaintext flash and NVS)"));
        o.WriteLine("the bundle still holds the device's private key and fallback password: delete it once the device is provisioned");
        return 0;
    }

    private static string WorkDirectory(DirectoryInfo? given, string deviceId)
    {
        if (given is null)
            return Directory.CreateTempSubdirectory($"nf-build-provision-{deviceId}-").FullName;
        if (given.Exists && given.EnumerateFileSystemInfos().Any())
            throw new CliUsageException($"work dir {given.FullName} is not empty; give a new or empty folder");
        given.Create();
        return given.FullName;
    }

    private static Command Decommission()
    {
        var id = new Argument<string>("device-id") { Description = "Device id (named in the revocation reminder)." };
        var target = new Option<DirectoryInfo?>("--virtual") { Description = "Folder of a virtual device (flash.bin, efuses.json)." };
        var port = new Option<string?>("--port") { Description = "Serial port of a real board in development mode." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the erase commands; touch no board." };
        var confirm = new Option<bool>("--confirm-irreversible") { Description = "Allow erasing the identity of a real board (it cannot be restored)." };
        var partitions = new Option<FileInfo?>("--partitions") { Description = "partitions.csv instead of the product table." };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Folder for the eFuse summary (default: a temporary folder)." };
        var command = new Command("decommission",
            "Wipe a device's identity and NVS (erase nvs + nvs_keys) where the chip still allows it (development mode, virtual device), and say what cannot be undone.")
            { id, target, port, dryRun, confirm, partitions, workDir };
        command.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            string deviceId = parse.GetValue(id)!;
            DirectoryInfo? virtualDir = parse.GetValue(target);
            string? serial = parse.GetValue(port);
            if ((virtualDir is null) == (serial is null))
                throw new CliUsageException("give either --virtual <dir> or --port <serial-port>");
            try
            {
                if (virtualDir is not null)
                {
                    var result = Decommissioner.WipeVirtual(virtualDir.FullName, deviceId);
                    foreach (string line in result.Done)
                        o.WriteLine(line);
                    foreach (string line in result.Permanent)
                        o.WriteLine("cannot be undone: " + line);
                    return 0;
                }
                var table = parse.GetValue(partitions) is { } p
                    ? Esp32.Formats.PartitionTable.PartitionTable.FromCsv(File.ReadAllText(p.FullName))
                    : VirtualProvisioner.ProductTable();
                var commands = Decommissioner.EraseCommands(table, serial!);
                if (parse.GetValue(dryRun))
                {
                    o.WriteLine($"# decommission of {deviceId} on {serial} (development mode only): erase nvs and nvs_keys");
                    foreach (var c in commands)
                        o.WriteLine(c.ToLine());
                    o.WriteLine("# cannot be undone: the eFuses (flash encryption key, FLASH_CRYPT_CNT, release-mode bits) stay burned; a release-mode chip cannot be wiped over serial");
                    o.WriteLine($"# also revoke the identity: nf-build fleet revoke <fleet> {deviceId} --broker");
                    return 0;
                }
                if (!parse.GetValue(confirm))
                    throw new CliUsageException("refusing: erasing the device's identity cannot be undone; review with --dry-run, then run again with --confirm-irreversible");
                var runner = new ProcessToolRunner();
                var board = new BoardProvisioner(runner, o);
                board.CheckToolsPortAndChip(serial!, encrypt: false);
                string work = parse.GetValue(workDir)?.FullName ?? Directory.CreateTempSubdirectory("nf-build-decommission-").FullName;
                if (BoardProvisioner.IsReleaseMode(board.ReadEfuseSummary(serial!, work)))
                    throw new CliUsageException($"{serial} is in release mode: its identity cannot be wiped over serial (ROM download mode cannot write the encrypted flash). Revoke it (nf-build fleet revoke <fleet> {deviceId} --broker) and keep or destroy the board");
                foreach (var c in commands)
                {
                    o.WriteLine("$ " + c.ToLine());
                    var r = runner.Run(c.Tool, c.Arguments);
                    if (r.ExitCode != 0)
                        throw new CliUsageException($"{c.ToLine()} failed with exit {r.ExitCode}");
                }
                o.WriteLine($"erased nvs and nvs_keys of {deviceId} on {serial}; on its next boot the firmware generates new NVS keys and finds no identity");
                o.WriteLine("cannot be undone: the flash encryption key stays burned (read-protected) in BLOCK1 and FLASH_CRYPT_CNT keeps its bits: eFuses cannot be cleared");
                o.WriteLine($"cannot be undone: copies of {deviceId}'s key outside the chip (bundle, backups) stay valid until `nf-build fleet revoke <fleet> {deviceId} --broker`");
                return 0;
            }
            catch (ProvisioningException e)
            {
                throw new CliUsageException(e.Message);
            }
        });
        return command;
    }

    private static Command Run()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Folder of a provisioned virtual device (flash.bin, efuses.json)." };
        var fleet = new Option<DirectoryInfo?>("--fleet") { Description = "Fleet directory: its fleet.json endpoints replace the provisioned ones (development ports)." };
        var seconds = new Option<double?>("--for") { Description = "Stop after this many seconds (default: until Ctrl-C)." };
        var command = new Command("run", "Boot the virtual device and keep it online on its brokers; one log line per state change.") { dir, fleet, seconds };
        command.SetAction(async (parse, cancellation) =>
        {
            var o = parse.InvocationConfiguration.Output;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (parse.GetValue(seconds) is { } s)
            {
                if (s <= 0)
                    throw new CliUsageException("--for must be a positive number of seconds");
                stop.CancelAfter(TimeSpan.FromSeconds(s));
            }
            using var runner = VirtualDeviceRunner.Load(parse.GetValue(dir)!.FullName, line => o.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"), parse.GetValue(fleet)?.FullName);
            try
            {
                runner.Boot();
            }
            catch (InvalidOperationException e)
            {
                throw new CliUsageException(e.Message);
            }
            await Task.Run(() => runner.Run(stop.Token));
            return 0;
        });
        return command;
    }
}
