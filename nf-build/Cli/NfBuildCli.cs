using System.CommandLine;
using Esp32.Formats;

namespace NfBuild.Cli;

/// <summary>
/// The command tree. Every command returns 0 only on success; bad input ends with one line
/// "error: …" naming what and where, exit code 1, and no output file (see <see cref="OutputFile"/>).
/// </summary>
public static class NfBuildCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "nf-build: IotDevice tooling for ESP32 flash images, byte-compatible with ESP-IDF v5.5 and esptool v5.\n" +
            "Numbers (offsets, sizes, addresses) accept decimal or 0x-hex.");
        foreach (var command in Commands())
            root.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands() => CommandRegistry.All;

    /// <summary>Runs a command line; in-process for tests, from Main for users.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build().Parse(args);
        // `audit` reserves exit 1 for "secret found", so its bad input (parse errors included) exits 2.
        if (parse.Errors.Count > 0 && parse.CommandResult.Command.Name == NfBuild.Cli.Commands.AuditCommand.Name)
        {
            error.WriteLine("error: " + parse.Errors[0].Message);
            return NfBuild.Cli.Commands.AuditCommand.BadInput;
        }
        try
        {
            // ProcessTerminationTimeout = null: System.CommandLine would otherwise answer Ctrl-C by exiting with 130 two seconds
            // later, in the middle of a graceful stop (`backend rabbitmq start` shutting its nodes down). Commands that run until
            // Ctrl-C handle Console.CancelKeyPress themselves; the others end at once, as without a handler (outputs are atomic).
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception ex) when (ex is Esp32FormatException or Esp32.Formats.Nvs.NvsException or CliUsageException or NfBuild.Fleet.FleetException or NfBuild.Backend.BackendException or System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + ex.Message);
            return 1;
        }
    }
}
