using System.Text.Json;
using System.Text.RegularExpressions;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>A refused or failed board provisioning; the message says what and whether anything irreversible happened.</summary>
public sealed class ProvisioningException(string message) : Exception(message);

/// <summary>What the precondition checks found on the board.</summary>
public sealed record ChipInfo(string Description, int RevisionMajor, int RevisionMinor, string EsptoolVersion);

/// <summary>
/// Drives esptool/espsecure/espefuse v5 through a <see cref="ProvisioningPlan"/> on a real board: checks the
/// preconditions (tools on PATH and esptool 5.x, the serial port, an original ESP32 and its revision, a blank
/// eFuse state, images that fit), refuses irreversible steps without confirmation, writes the work files, runs
/// the commands in order and stops at the first failure, saying how far it got.
/// </summary>
public sealed partial class BoardProvisioner(IToolRunner tools, TextWriter log)
{
    /// <summary>esptool major version whose command names the plan uses (known answers: v5.3.1).</summary>
    public const int EsptoolMajor = 5;

    [GeneratedRegex(@"Chip type:\s+(?<desc>ESP32\S*)\s+\(revision v(?<major>\d+)\.(?<minor>\d+)\)")]
    private static partial Regex ChipTypeLine();

    [GeneratedRegex(@"(?<major>\d+)\.(?<minor>\d+)(\.(?<patch>\d+))?")]
    private static partial Regex VersionNumber();

    /// <summary>Tools needed: espsecure only when something is encrypted.</summary>
    public static IEnumerable<string> RequiredTools(bool encrypt) =>
        encrypt ? [ToolCommandRenderer.Esptool, ToolCommandRenderer.Espsecure, ToolCommandRenderer.Espefuse] : [ToolCommandRenderer.Esptool, ToolCommandRenderer.Espefuse];

    /// <summary>
    /// Refuses a plan with irreversible steps (key burning, development or release mode eFuses) unless confirmed.
    /// </summary>
    public static void CheckConfirmation(ProvisioningPlan plan, bool confirmIrreversible)
    {
        if (!plan.HasIrreversibleSteps || confirmIrreversible)
            return;
        var burns = plan.Steps.Where(s => s.Irreversible).Select(s => s.Summary)
            .Concat(plan.FirstBootEncrypts ? ["the first boot generates the flash encryption key and burns it with the flash encryption eFuses"] : []);
        throw new ProvisioningException(
            $"refusing: this provisioning burns eFuses, which can never be undone ({string.Join("; ", burns)}); " +
            "run with --dry-run to review the commands, then again with --confirm-irreversible");
    }

    /// <summary>Read-only checks of the tools and the board (blank eFuses); returns the chip's revision.</summary>
    public ChipInfo CheckPreconditions(string port, bool encrypt, string workDirectory)
    {
        ChipInfo info = CheckToolsPortAndChip(port, encrypt);
        CheckBlankEfuses(ReadEfuseSummary(port, workDirectory), port);
        return info;
    }

    /// <summary>Tools on PATH, esptool 5.x, the port, an original ESP32 (revision from <c>esptool chip-id</c>).</summary>
    public ChipInfo CheckToolsPortAndChip(string port, bool encrypt)
    {
        foreach (string tool in RequiredTools(encrypt))
        {
            if (tools.Find(tool) is null)
                throw new ProvisioningException($"{tool} is not on PATH: install esptool v{EsptoolMajor} (pip install 'esptool>=5.3,<6'), which provides esptool, espsecure and espefuse");
        }
        ToolResult version = tools.Run(ToolCommandRenderer.Esptool, ["version"]);
        Match v = VersionNumber().Match(version.Output);
        if (version.ExitCode != 0 || !v.Success)
            throw new ProvisioningException($"esptool version failed (exit {version.ExitCode}): {FirstLine(version.Output)}");
        if (int.Parse(v.Groups["major"].Value) != EsptoolMajor)
            throw new ProvisioningException($"esptool {v.Value} found; this pipeline uses esptool v{EsptoolMajor} command names (pip install 'esptool>=5.3,<6')");

        if (!PortLooksPresent(port))
            throw new ProvisioningException($"serial port {port} does not exist (is the board plugged in? ls /dev/ttyUSB* /dev/ttyACM*)");

        ToolResult chip = tools.Run(ToolCommandRenderer.Esptool, ["--chip", "esp32", "--port", port, "chip-id"]);
        if (chip.ExitCode != 0)
            throw new ProvisioningException($"esptool chip-id on {port} failed (exit {chip.ExitCode}): {FirstLine(chip.Output)} " +
                "(a release-mode chip with UART download disabled no longer answers over serial)");
        Match c = ChipTypeLine().Match(chip.Output);
        if (!c.Success)
            throw new ProvisioningException($"esptool chip-id on {port}: no 'Chip type: ESP32… (revision vX.Y)' line; the board must be an original ESP32 (Lolin32) not in secure download mode");
        var info = new ChipInfo(c.Groups["desc"].Value, int.Parse(c.Groups["major"].Value), int.Parse(c.Groups["minor"].Value), v.Value);
        if (info.Description.StartsWith("ESP32-S", StringComparison.Ordinal) || info.Description.StartsWith("ESP32-C", StringComparison.Ordinal)
            || info.Description.StartsWith("ESP32-H", StringComparison.Ordinal) || info.Description.StartsWith("ESP32-P", StringComparison.Ordinal))
            throw new ProvisioningException($"{port} is a {info.Description}; this pipeline provisions the original ESP32 only");
        return info;
    }

    /// <summary><c>espefuse summary --format json --file F</c>: the JSON text.</summary>
    public string ReadEfuseSummary(string port, string workDirectory)
    {
        Directory.CreateDirectory(workDirectory);
        string summaryFile = Path.Combine(workDirectory, "efuse-summary.json");
        ToolResult summary = tools.Run(ToolCommandRenderer.Espefuse, ["--chip", "esp32", "--port", port, "summary", "--format", "json", "--file", summaryFile]);
        if (summary.ExitCode != 0 || !File.Exists(summaryFile))
            throw new ProvisioningException($"espefuse summary on {port} failed (exit {summary.ExitCode}): {FirstLine(summary.Output)}");
        return File.ReadAllText(summaryFile);
    }

    /// <summary>From an espefuse JSON summary: release mode (download-mode encryption disabled or FLASH_CRYPT_CNT full).</summary>
    public static bool IsReleaseMode(string summaryJson)
    {
        using var doc = JsonDocument.Parse(summaryJson);
        return Value(doc.RootElement, "FLASH_CRYPT_CNT") == 0x7F || Value(doc.RootElement, "DISABLE_DL_ENCRYPT") != 0;
    }

    /// <summary>A chip that already has flash encryption state or a key is not blank: provisioning it again would brick or leak.</summary>
    public static void CheckBlankEfuses(string summaryJson, string port)
    {
        using var doc = JsonDocument.Parse(summaryJson);
        JsonElement root = doc.RootElement;
        long cnt = Value(root, "FLASH_CRYPT_CNT");
        if (cnt != 0)
            throw new ProvisioningException($"{port}: FLASH_CRYPT_CNT is 0x{cnt:X}, not a blank chip (already provisioned?): refusing. To reprovision a development device see README \"Board provisioning\"");
        // espefuse prints BLOCK1 as hex bytes ("00 00 …"), read-protected as "?? ??…" with "readable": false.
        if (root.TryGetProperty("BLOCK1", out var block1)
            && ((block1.TryGetProperty("readable", out var readable) && readable.ValueKind == JsonValueKind.False)
                || (block1.TryGetProperty("value", out var b1) && b1.ValueKind == JsonValueKind.String
                    && b1.GetString()!.Replace(" ", "", StringComparison.Ordinal).Trim('0') is { Length: > 0 })))
            throw new ProvisioningException($"{port}: BLOCK1 (flash encryption key) is not blank: refusing to burn another key");
        // Secure boot v2 state (checked when the summary lists it, as espefuse v5 does for the ESP32).
        if (root.TryGetProperty("ABS_DONE_1", out var absDone) && absDone.TryGetProperty("value", out var ad) && ad.ValueKind == JsonValueKind.True)
            throw new ProvisioningException($"{port}: ABS_DONE_1 is burned (secure boot v2 already on): refusing");
        if (root.TryGetProperty("BLOCK2", out var block2) && block2.TryGetProperty("value", out var b2) && b2.ValueKind == JsonValueKind.String
            && b2.GetString()!.Replace(" ", "", StringComparison.Ordinal).Trim('0') is { Length: > 0 })
            throw new ProvisioningException($"{port}: BLOCK2 (secure boot key digest) is not blank: refusing");
    }

    private static long Value(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var field) || !field.TryGetProperty("value", out var value))
            throw new ProvisioningException($"espefuse summary has no {name}");
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetInt64(),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => Convert.ToInt64(value.GetString(), 16),
        };
    }

    /// <summary>Runs the plan's commands; <see cref="ProvisioningException"/> at the first failure.</summary>
    public void Execute(ProvisioningPlan plan, ToolContext context)
    {
        WorkFiles.Write(plan, context.WorkDirectory);
        bool burned = false;
        int n = 0;
        foreach (var step in plan.Steps)
        {
            n++;
            if (ToolCommandRenderer.Render(step, context) is not { } command)
                continue;
            log.WriteLine($"[{n}/{plan.Steps.Count}] {step.Summary}");
            log.WriteLine("  $ " + command.ToLine());
            ToolResult result = tools.Run(command.Tool, command.Arguments);
            if (result.ExitCode != 0)
            {
                throw new ProvisioningException(
                    $"step {n} ({command.Tool} {command.Arguments.FirstOrDefault(a => !a.StartsWith('-') && a != "esp32" && a != context.Port)}) failed with exit {result.ExitCode}: {FirstLine(result.Output)}; " +
                    (burned ? "eFuses were already burned: keep the work dir (it holds the key) and rerun the remaining steps by hand" : "no eFuse was burned yet: fix the cause and run again"));
            }
            burned |= step.Irreversible;
        }
        WorkFiles.DeleteSecrets(plan, context.WorkDirectory);
    }

    private static bool PortLooksPresent(string port) =>
        port.StartsWith("rfc2217://", StringComparison.Ordinal) || port.StartsWith("socket://", StringComparison.Ordinal)
        || Regex.IsMatch(port, "^COM[0-9]+$", RegexOptions.IgnoreCase) || File.Exists(port);

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}

/// <summary>The plan's own files in a work directory (secret ones 0600).</summary>
public static class WorkFiles
{
    public static void Write(ProvisioningPlan plan, string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var w in plan.Steps.OfType<WriteWorkFileStep>())
        {
            string path = Path.Combine(directory, w.File);
            string temp = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(w.Contents);
            }
            File.Move(temp, path, overwrite: true);
        }
        // Secure boot: the signed images nf-build's own run would flash (the same PSS salt), so a review of the dry run
        // sees the exact bytes; a real run's espsecure sign-data re-signs them with a salt of its own (equally valid).
        foreach (var sd in plan.Steps.OfType<SignDataStep>())
        {
            byte[] input = plan.Steps.OfType<WriteWorkFileStep>().Single(w => w.File == sd.Input).Contents;
            using var key = System.Security.Cryptography.RSA.Create();
            key.ImportFromPem(File.ReadAllText(sd.KeyPath));
            File.WriteAllBytes(Path.Combine(directory, sd.Output), Esp32.Formats.SecureBoot.SecureBootV2Signer.Sign(input, key, sd.Salt));
        }
    }

    /// <summary>After a successful run the key and plaintext nvs_keys are not needed any more (the chip holds them).</summary>
    public static void DeleteSecrets(ProvisioningPlan plan, string directory)
    {
        foreach (var w in plan.Steps.OfType<WriteWorkFileStep>().Where(w => w.Secret))
        {
            string path = Path.Combine(directory, w.File);
            if (File.Exists(path))
            {
                // Overwrite before deleting (best effort on flash storage/journaling file systems).
                File.WriteAllBytes(path, new byte[w.Contents.Length]);
                File.Delete(path);
            }
        }
    }
}
