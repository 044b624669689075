using System.Globalization;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>One esptool/espsecure/espefuse invocation (argv without the program) for a plan step.</summary>
public sealed record ToolCommand(string Tool, IReadOnlyList<string> Arguments, ProvisioningStep? Step = null)
{
    /// <summary>A POSIX shell line (arguments with spaces or quotes single-quoted).</summary>
    public string ToLine() => string.Join(' ', new[] { Tool }.Concat(Arguments).Select(Quote));

    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=+,@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}

/// <summary>Where and how the commands run.</summary>
/// <param name="Port">Serial port of the board (esptool/espefuse <c>--port</c>).</param>
/// <param name="WorkDirectory">Absolute folder holding the work files.</param>
public sealed record ToolContext(string Port, string WorkDirectory, int Baud = 460800);

/// <summary>
/// Renders a <see cref="ProvisioningPlan"/> as the official tools' v5 commands (esptool v5.3.1 spellings):
/// <c>espsecure encrypt-flash-data --keyfile K --address A --flash-crypt-conf 0xF --output O F</c>,
/// <c>esptool --chip esp32 --port P --baud B --before default-reset --after no-reset write-flash A F …</c>
/// (no-reset: the board must not boot its bootloader before the eFuses are burned, or a bootloader built with
/// flash encryption would encrypt the already encrypted flash with a key of its own),
/// <c>espefuse --chip esp32 --port P --do-not-confirm burn-key flash_encryption K</c>,
/// <c>… burn-efuse NAME VALUE …</c> (decimal values: espefuse hands them to bitstring as <c>uint:7=127</c>, <c>bool=1</c>),
/// <c>… write-protect-efuse NAME</c>.
/// <see cref="WriteWorkFileStep"/>s are nf-build's own work and have no command.
/// </summary>
public static class ToolCommandRenderer
{
    public const string Esptool = "esptool";
    public const string Espsecure = "espsecure";
    public const string Espefuse = "espefuse";

    public static IReadOnlyList<ToolCommand> Render(ProvisioningPlan plan, ToolContext context)
    {
        var commands = new List<ToolCommand>();
        foreach (var step in plan.Steps)
        {
            if (Render(step, context) is { } command)
                commands.Add(command);
        }
        return commands;
    }

    public static ToolCommand? Render(ProvisioningStep step, ToolContext context)
    {
        string F(string name) => Path.Combine(context.WorkDirectory, name);
        string[] efuse = ["--chip", "esp32", "--port", context.Port, "--do-not-confirm"];
        return step switch
        {
            WriteWorkFileStep => null,
            EncryptFileStep e => new ToolCommand(Espsecure,
                ["encrypt-flash-data", "--keyfile", F(e.KeyFile), "--address", Hex(e.Address), "--flash-crypt-conf", Hex((uint)e.FlashCryptConfig), "--output", F(e.Output), F(e.Input)], step),
            WriteFlashStep w => new ToolCommand(Esptool,
                ["--chip", "esp32", "--port", context.Port, "--baud", context.Baud.ToString(CultureInfo.InvariantCulture), "--before", "default-reset", "--after", "no-reset", "write-flash",
                 .. w.Writes.SelectMany(x => new[] { Hex(x.Address), F(x.File) })], step),
            SignDataStep sd => new ToolCommand(Espsecure,
                ["sign-data", "--version", "2", "--keyfile", sd.KeyPath, "--output", F(sd.Output), F(sd.Input)], step),
            BurnKeyDigestStep kd => new ToolCommand(Espefuse, [.. efuse, "burn-key-digest", F(kd.PublicKeyFile)], step),
            BurnKeyStep k => new ToolCommand(Espefuse, [.. efuse, "burn-key", "flash_encryption", F(k.KeyFile)], step),
            BurnEfuseStep b => new ToolCommand(Espefuse, [.. efuse, "burn-efuse", .. b.Values.SelectMany(v => new[] { v.Field, v.Value.ToString(CultureInfo.InvariantCulture) })], step),
            WriteProtectEfuseStep p => new ToolCommand(Espefuse, [.. efuse, "write-protect-efuse", p.Field], step),
            _ => throw new ArgumentException($"no tool command for step {step.GetType().Name}"),
        };
    }

    /// <summary>The whole sequence as printed by <c>--dry-run</c>: comments for nf-build's own steps, one command per line.</summary>
    public static IReadOnlyList<string> RenderScript(ProvisioningPlan plan, ToolContext context)
    {
        var lines = new List<string>
        {
            $"# board provisioning of {plan.DeviceId}: {(plan.Encrypted ? plan.Mode.ToString().ToLowerInvariant() + " mode" : "NO encryption")}, work dir {context.WorkDirectory}",
        };
        lines.AddRange(plan.Notes.Select(n => "# note: " + n));
        int n = 0;
        foreach (var step in plan.Steps)
        {
            n++;
            if (step is WriteWorkFileStep w)
            {
                lines.Add($"# {n}. nf-build writes {Path.Combine(context.WorkDirectory, w.File)} ({w.Contents.Length} bytes): {w.What}{(w.Secret ? " [secret]" : "")}");
                continue;
            }
            lines.Add($"# {n}. {step.Summary}{(step.Irreversible ? " [IRREVERSIBLE]" : "")}");
            lines.Add(Render(step, context)!.ToLine());
        }
        return lines;
    }

    public static string Hex(uint value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture);
}
