using System.CommandLine;
using NfBuild.Demo;
using Spectre.Console;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `demo`: the whole secure lifecycle of one virtual Lolin32 in a fresh folder (README "Demo"). The orchestration is
/// <see cref="DemoRunner"/> (nf-build/Demo); this command only parses and picks the console.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Folder for the fleet and the virtual device (new or empty; kept). Default: a new temporary folder, removed at the end unless --keep." };
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary folder (fleet, device flash, releases) to look at afterwards." };
        var backend = new Option<string>("--backend") { Description = "embedded (everything in this process, nothing to install) or rabbitmq (RabbitMQ 3.10 + Apache 2.4 on loopback, Debian packages rabbitmq-server and apache2).", DefaultValueFactory = _ => "embedded" };
        backend.AcceptOnlyFromAmong("embedded", "rabbitmq");
        var fault = new Option<string?>("--fault") { Description = "TESTS ONLY: put a real fault into the run (corrupt-published-app: flip a bit of the published app.bin).", Hidden = true };
        fault.AcceptOnlyFromAmong("corrupt-published-app");
        var command = new Command("demo",
            "One command to a running secure device: makes a fleet (PKI, release key) in a fresh folder, provisions a virtual Lolin32 with flash and NVS encryption, " +
            "starts the backend, boots the firmware and shows mTLS telemetry, an OTA update, a refused bad release, certificate expiry -> fallback -> renewal, and a flash-dump audit. " +
            "Exit code 0 only if every step passed.")
            { dir, keep, backend, fault };
        command.SetAction(async (parse, cancel) =>
        {
            var kind = parse.GetValue(backend) == "rabbitmq" ? DemoBackendKind.RabbitMq : DemoBackendKind.Embedded;
            if (DemoBackend.MissingPrerequisites(kind) is { } missing)
                throw new CliUsageException(missing);
            var options = new DemoOptions
            {
                Directory = parse.GetValue(dir)?.FullName,
                Keep = parse.GetValue(keep),
                Backend = kind,
                Fault = parse.GetValue(fault) == "corrupt-published-app" ? DemoFault.CorruptPublishedApp : DemoFault.None,
            };
            var output = parse.InvocationConfiguration.Output;
            // A terminal gets live progress bars and colour; anything else (CI logs, a pipe, a test's writer) plain text,
            // wide enough that each line stays one line.
            bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            });
            if (!terminal)
                console.Profile.Width = 320;
            // Ctrl-C ends the step in progress; the device, the observer and the backend (RabbitMQ nodes, Apache) still stop.
            using var stop = StopSignal.Listen(cancel);
            var report = await new DemoRunner(console, options).RunAsync(stop.Token);
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
