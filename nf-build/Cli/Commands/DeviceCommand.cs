using System.CommandLine;
using NfBuild.VirtualDevice;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `device provision|run`: a virtual Lolin32 for one device of a fleet. `provision` builds flash.bin +
/// efuses.json from the device's bundle (flash encryption in development mode and NVS encryption, or
/// neither with --no-encryption); `run` boots it and keeps it online on its brokers.
/// </summary>
internal static class DeviceCommand
{
    public static Command Create()
    {
        var device = new Command("device", "Virtual ESP32 devices provisioned from a fleet bundle.");
        device.Add(Provision());
        device.Add(Run());
        return device;
    }

    private static Command Provision()
    {
        var fleet = new Argument<DirectoryInfo>("fleet-dir") { Description = "Fleet directory (holds devices/<id>/nvs.csv)." };
        var id = new Argument<string>("device-id") { Description = "Device id (a-z, 0-9, '-')." };
        var target = new Option<DirectoryInfo>("--virtual") { Description = "Folder for the virtual device (flash.bin, efuses.json); must not hold one yet.", Required = true };
        var plain = new Option<bool>("--no-encryption") { Description = "Plaintext flash and NVS (audit control case: secrets readable in the dump)." };
        var partitions = new Option<FileInfo?>("--partitions") { Description = "partitions.csv to use instead of the product table built into the tool." };
        var command = new Command("provision", "Build a provisioned virtual Lolin32 from the device's bundle: NVS from nvs.csv, nanoCLR placeholder in ota_0, flash + NVS encryption.")
            { fleet, id, target, plain, partitions };
        command.SetAction(parse =>
        {
            string deviceId = parse.GetValue(id)!;
            ProvisionResult result;
            try
            {
                result = VirtualProvisioner.Provision(parse.GetValue(fleet)!.FullName, deviceId, parse.GetValue(target)!.FullName, new ProvisionOptions
                {
                    Encrypt = !parse.GetValue(plain),
                    PartitionsCsvPath = parse.GetValue(partitions)?.FullName,
                });
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"provisioned {deviceId} into {result.Directory}: boots version {result.RunningVersion} from ota_0, "
                + (result.Encrypted ? "flash encryption (development mode) and NVS encryption on" : "NO encryption (plaintext flash and NVS)"));
            o.WriteLine("the bundle still holds the device's private key and fallback password: delete it once the device is provisioned");
            return 0;
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
