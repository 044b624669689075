using System.CommandLine;
using Esp32.Formats;
using Esp32.Formats.PartitionTable;
using NfBuild.Fleet;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `audit <flash.bin> --fleet <dir> --device <id>`: every plaintext occurrence of the device's secrets
/// in a raw flash dump. Exit 0: none found; 1: some found; 2: bad input (also for parse errors, see
/// <see cref="NfBuildCli.Run"/>), so scripts can tell "leak" from "could not check".
/// </summary>
internal static class AuditCommand
{
    public const int Clean = 0, Found = 1, BadInput = 2;

    public const string Name = "audit";

    public static Command Create()
    {
        var dump = new Argument<FileInfo>("flash") { Description = "Raw flash dump (e.g. esptool read-flash 0 0x400000)." };
        var fleetDir = new Option<DirectoryInfo>("--fleet") { Description = "Fleet workspace holding the device's bundle.", Required = true };
        var device = new Option<string>("--device") { Description = "Device id whose secrets to look for (its bundle devices/<id>/ must still exist).", Required = true };
        var partitions = new Option<FileInfo?>("--partitions") { Description = "Partition table (CSV or binary) to name partitions when the dump's own table at 0x8000 is encrypted." };
        var command = new Command(Name, "Report every plaintext occurrence of a device's private key, fallback password and Wi-Fi password in a flash dump. Exit 0 none, 1 found, 2 bad input.") { dump, fleetDir, device, partitions };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                return Run(parse.GetValue(dump)!, parse.GetValue(fleetDir)!, parse.GetValue(device)!, parse.GetValue(partitions), output);
            }
            catch (Exception ex) when (ex is FleetException or CliUsageException or Esp32FormatException or IOException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine("error: " + ex.Message);
                return BadInput;
            }
        });
        return command;
    }

    private static int Run(FileInfo dumpFile, DirectoryInfo fleetDir, string deviceId, FileInfo? partitionsFile, TextWriter output)
    {
        DeviceIds.Validate(deviceId);
        var fleet = FleetDirectory.Open(fleetDir.FullName);
        var needles = DeviceSecrets.Needles(DeviceBundle.Open(fleet, deviceId));
        byte[] dump = OutputFile.ReadInput(dumpFile.FullName, "flash dump");
        if (dump.Length == 0)
            throw new CliUsageException($"flash dump '{dumpFile.FullName}' is empty");

        PartitionTable? table = partitionsFile is null
            ? FlashAudit.TryReadTable(dump)
            : PartitionTable.Load(OutputFile.ReadInput(partitionsFile.FullName, "partition table"));
        if (table is null)
            output.WriteLine("note: no readable partition table at 0x8000 (flash-encrypted?); reporting offsets only (give --partitions to name partitions)");

        var findings = FlashAudit.Scan(dump, needles, table);
        foreach (var f in findings)
            output.WriteLine($"0x{f.Offset:X6}  {f.Partition,-20}  {f.Secret} ({f.Length} bytes)");
        if (findings.Count == 0)
        {
            output.WriteLine($"no plaintext secret of '{deviceId}' in {dump.Length} bytes ({needles.Count} patterns searched)");
            return Clean;
        }
        output.WriteLine($"{findings.Count} plaintext occurrence(s) of secrets of '{deviceId}' found");
        return Found;
    }
}
