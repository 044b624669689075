using System.CommandLine;
using NfBuild.Cli.Commands;

namespace NfBuild.Cli;

/// <summary>The top-level commands, one class per command group in Cli/Commands.</summary>
internal static class CommandRegistry
{
    public static IEnumerable<Command> All => [PartitionsCommand.Create(), NvsCommand.Create(), FlashCommand.Create(), OtadataCommand.Create(), ImageCommand.Create(), FleetCommand.Create(), AuditCommand.Create(), BackendCommand.Create(), DeviceCommand.Create(), ReleaseCommand.Create(), DemoCommand.Create()];
}
