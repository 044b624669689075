using NfBuild.Cli;
using NfBuild.Tests.VirtualDevice;
using NfBuild.VirtualDevice.Provisioning;
using Xunit;

namespace NfBuild.Tests.Provisioning;

/// <summary>
/// Our checks around the official tools, with stub esptool/espsecure/espefuse scripts on a fake PATH that print
/// canned v5.3.1 output (they test the precondition checks, refusals and ordering, not esptool).
/// </summary>
public sealed class BoardProvisionerTests : IDisposable
{
    private readonly TestFleetBundle _bundle = new();
    private readonly string _bin;
    private readonly string _log;
    private readonly string _port;

    public BoardProvisionerTests()
    {
        _bin = Path.Combine(_bundle.FleetDirectory, "fake-bin");
        Directory.CreateDirectory(_bin);
        _log = Path.Combine(_bundle.FleetDirectory, "tool-calls.log");
        _port = Path.Combine(_bundle.FleetDirectory, "ttyUSB0");
        File.WriteAllText(_port, "");
        Stubs();
    }

    public void Dispose() => _bundle.Dispose();

    private const string ChipIdOutput = """
        esptool v5.3.1
        Connected to ESP32 on /dev/ttyUSB0:
        Chip type:          ESP32-D0WD-V3 (revision v3.1)
        Features:           Wi-Fi, BT, Dual Core + LP Core, 240MHz, Vref calibration in eFuse, Coding Scheme None
        Crystal frequency:  40MHz
        MAC:                24:0a:c4:00:11:22

        Warning: ESP32 has no chip ID. Reading MAC address instead.
        MAC:                24:0a:c4:00:11:22
        """;

    private const string BlankSummary = """{"FLASH_CRYPT_CNT": {"value": 0}, "BLOCK1": {"value": "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"}, "DISABLE_DL_ENCRYPT": {"value": false}}""";

    /// <summary>(Re)writes the stubs; <paramref name="failOn"/> makes the tool call whose arguments contain it exit 2.</summary>
    private void Stubs(string version = "5.3.1", string chipId = ChipIdOutput, string summary = BlankSummary, string? failOn = null, string[]? missing = null)
    {
        File.WriteAllText(Path.Combine(_bin, "chip-id.txt"), chipId);
        File.WriteAllText(Path.Combine(_bin, "summary.json"), summary);
        foreach (string tool in new[] { "esptool", "espsecure", "espefuse" })
        {
            string path = Path.Combine(_bin, tool);
            if (missing?.Contains(tool) == true)
            {
                File.Delete(path);
                continue;
            }
            File.WriteAllText(path, $$"""
                #!/bin/sh
                echo "{{tool}} $*" >> '{{_log}}'
                {{(failOn is null ? "" : $"case \"$*\" in *'{failOn}'*) echo 'A fatal error occurred: stub failure'; exit 2;; esac")}}
                case "$*" in
                  version) echo '{{version}}' ;;
                  *chip-id*) cat '{{_bin}}/chip-id.txt' ;;
                  *summary*)
                    while [ $# -gt 0 ]; do if [ "$1" = "--file" ]; then cp '{{_bin}}/summary.json' "$2"; fi; shift; done ;;
                  *encrypt-flash-data*)
                    out=""; for a in "$@"; do if [ "$prev" = "--output" ]; then out="$a"; fi; prev="$a"; last="$a"; done
                    cp "$last" "$out" ;;
                esac
                exit 0
                """.Replace("\r\n", "\n"));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string[] Calls() => File.Exists(_log) ? File.ReadAllLines(_log) : [];

    // The stubs need cat/cp; the system folders hold no esptool here (and the missing-tool case checks espsecure alone).
    private BoardProvisioner Board() => new(new ProcessToolRunner(_bin + Path.PathSeparator + "/usr/bin" + Path.PathSeparator + "/bin"), TextWriter.Null);

    private ProvisioningPlan Plan(ProvisioningMode mode = ProvisioningMode.Development, int revision = 3) => ProvisioningPlanBuilder.Build(new ProvisioningRequest
    {
        FleetDirectory = _bundle.FleetDirectory,
        DeviceId = _bundle.DeviceId,
        Mode = mode,
        ChipRevisionMajor = revision,
    });

    private string Work() => Directory.CreateTempSubdirectory("prov-work").FullName;

    [Fact]
    public void Preconditions_Pass_OnABlankV3Esp32_AndReadTheRevision()
    {
        if (OperatingSystem.IsWindows())
            return;
        ChipInfo chip = Board().CheckPreconditions(_port, encrypt: true, Work());
        Assert.Equal(("ESP32-D0WD-V3", 3, 1, "5.3.1"), (chip.Description, chip.RevisionMajor, chip.RevisionMinor, chip.EsptoolVersion));
        Assert.Equal(["esptool version", $"esptool --chip esp32 --port {_port} chip-id"], Calls().Take(2));
        Assert.Contains(Calls(), c => c.StartsWith("espefuse --chip esp32 --port " + _port + " summary --format json --file", StringComparison.Ordinal));
        // Read-only: nothing was written or burned.
        Assert.DoesNotContain(Calls(), c => c.Contains("write-flash") || c.Contains("burn"));
    }

    [Theory]
    [InlineData("missing-tool", "espsecure is not on PATH")]
    [InlineData("old-esptool", "esptool 4.8.1 found")]
    [InlineData("no-port", "does not exist")]
    [InlineData("esp32s3", "original ESP32 only")]
    [InlineData("no-chip-line", "no 'Chip type")]
    [InlineData("encrypted-chip", "FLASH_CRYPT_CNT is 0x1, not a blank chip")]
    [InlineData("key-burned", "BLOCK1 (flash encryption key) is not blank")]
    [InlineData("chip-id-fails", "chip-id on")]
    public void Preconditions_RefuseWhatTheyShould(string scenario, string message)
    {
        if (OperatingSystem.IsWindows())
            return;
        string port = _port;
        switch (scenario)
        {
            case "missing-tool": Stubs(missing: ["espsecure"]); break;
            case "old-esptool": Stubs(version: "4.8.1"); break;
            case "no-port": port = "/dev/ttyNOPE-nf-build"; break;
            case "esp32s3": Stubs(chipId: "Chip type:          ESP32-S3 (QFN56) (revision v0.2)\nChip type:          ESP32-S3 (revision v0.2)"); break;
            case "no-chip-line": Stubs(chipId: "Connected to ESP32 in Secure Download Mode"); break;
            case "encrypted-chip": Stubs(summary: BlankSummary.Replace("\"FLASH_CRYPT_CNT\": {\"value\": 0}", "\"FLASH_CRYPT_CNT\": {\"value\": 1}")); break;
            case "key-burned": Stubs(summary: BlankSummary.Replace("\"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\"", "\"?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ??\", \"readable\": false")); break;
            case "chip-id-fails": Stubs(failOn: "chip-id"); break;
        }
        var e = Assert.Throws<ProvisioningException>(() => Board().CheckPreconditions(port, encrypt: true, Work()));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain(Calls(), c => c.Contains("write-flash") || c.Contains("burn"));
    }

    [Fact]
    public void IrreversibleSteps_AreRefusedWithoutConfirmation_DevelopmentAndRelease()
    {
        foreach (var mode in new[] { ProvisioningMode.Development, ProvisioningMode.Release })
        {
            var e = Assert.Throws<ProvisioningException>(() => BoardProvisioner.CheckConfirmation(Plan(mode), confirmIrreversible: false));
            Assert.Contains("--confirm-irreversible", e.Message);
            Assert.Contains("burn the flash encryption key", e.Message);
            BoardProvisioner.CheckConfirmation(Plan(mode), confirmIrreversible: true);
        }
    }

    [Fact]
    public void Cli_RefusesARealRunWithoutConfirmation_BeforeTouchingTheBoard_AndNeedsRealImages()
    {
        string boot = Path.Combine(_bundle.FleetDirectory, "bootloader.bin");
        string app = Path.Combine(_bundle.FleetDirectory, "app.bin");
        File.WriteAllBytes(boot, NfBuild.VirtualDevice.VirtualProvisioner.PlaceholderNanoClr("boot", 0));
        File.WriteAllBytes(app, NfBuild.VirtualDevice.VirtualProvisioner.PlaceholderNanoClr("1.0.0", 0));
        var e = new StringWriter();
        // The port does not even exist: the refusal comes before any precondition that talks to the board.
        int exit = NfBuildCli.Run(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/ttyNOPE-nf-build", "--mode", "release",
            "--bootloader", boot, "--app", app, "--work-dir", Path.Combine(_bundle.FleetDirectory, "w1")], new StringWriter(), e);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: refusing: this provisioning burns eFuses", e.ToString());
        Assert.Contains("release mode", e.ToString());
        Assert.Empty(Calls());

        e = new StringWriter();
        exit = NfBuildCli.Run(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", _port, "--confirm-irreversible"], new StringWriter(), e);
        Assert.Equal(1, exit);
        Assert.Contains("needs --bootloader and --app", e.ToString());

        e = new StringWriter();
        exit = NfBuildCli.Run(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", _port, "--test-key-seed", "1", "--confirm-irreversible", "--bootloader", boot, "--app", app], new StringWriter(), e);
        Assert.Equal(1, exit);
        Assert.Contains("dry runs and virtual devices only", e.ToString());

        e = new StringWriter();
        exit = NfBuildCli.Run(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", _port, "--no-encryption", "--bootloader", boot, "--app", app], new StringWriter(), e);
        Assert.Equal(1, exit);
        Assert.Contains("virtual devices and dry runs only", e.ToString());
    }

    [Fact]
    public void Execute_RunsTheCommandsInOrder_NoReleaseBurnBeforeTheLastWrite_AndDeletesTheKeyAfterwards()
    {
        if (OperatingSystem.IsWindows())
            return;
        string work = Work();
        var board = Board();
        ChipInfo chip = board.CheckPreconditions(_port, encrypt: true, work);
        ProvisioningPlan plan = Plan(ProvisioningMode.Release, chip.RevisionMajor);
        File.Delete(_log);
        board.Execute(plan, new ToolContext(_port, work));

        string[] calls = Calls();
        int write = Array.FindIndex(calls, c => c.Contains(" write-flash "));
        Assert.Equal(4, write); // partition table, app, otadata, nvs_keys (no bootloader given)
        Assert.All(calls.Take(write), c => Assert.StartsWith("espsecure encrypt-flash-data --keyfile", c));
        Assert.Equal(calls.Length - 6, write); // then: key, development mode, release mode, DIS_CACHE, UART download
        Assert.Contains("--after no-reset write-flash 0x8000", calls[write]);
        Assert.StartsWith($"espefuse --chip esp32 --port {_port} --do-not-confirm burn-key flash_encryption", calls[write + 1]);
        Assert.EndsWith("burn-efuse FLASH_CRYPT_CONFIG 15 FLASH_CRYPT_CNT 1", calls[write + 2]);
        Assert.EndsWith("burn-efuse JTAG_DISABLE 1 CONSOLE_DEBUG_DISABLE 1 DISABLE_DL_ENCRYPT 1 DISABLE_DL_DECRYPT 1 DISABLE_DL_CACHE 1 FLASH_CRYPT_CNT 127", calls[write + 3]);
        Assert.EndsWith("write-protect-efuse DIS_CACHE", calls[write + 4]);
        Assert.EndsWith("burn-efuse UART_DOWNLOAD_DIS 1", calls[^1]);
        Assert.False(File.Exists(Path.Combine(work, "flash_encryption_key.bin")));
        Assert.False(File.Exists(Path.Combine(work, "nvs_keys.bin")));
        Assert.True(File.Exists(Path.Combine(work, "nvs_keys.enc.bin")));
    }

    [Fact]
    public void Execute_StopsAtTheFirstFailure_AndSaysWhetherEfusesWereBurned()
    {
        if (OperatingSystem.IsWindows())
            return;
        Stubs(failOn: "write-flash");
        string work = Work();
        var e = Assert.Throws<ProvisioningException>(() => Board().Execute(Plan(), new ToolContext(_port, work)));
        Assert.Contains("no eFuse was burned yet", e.Message);
        Assert.DoesNotContain(Calls(), c => c.Contains("burn"));

        Stubs(failOn: "burn-efuse");
        File.Delete(_log);
        e = Assert.Throws<ProvisioningException>(() => Board().Execute(Plan(), new ToolContext(_port, Work())));
        Assert.Contains("eFuses were already burned", e.Message);
        Assert.Contains(Calls(), c => c.Contains("burn-key"));
    }

    [Fact]
    public void Plan_RefusesAFlashWriteAfterAReleaseModeBurn_AndOldChipsKeepUartDownload()
    {
        var plan = Plan(ProvisioningMode.Release);
        var steps = plan.Steps.ToList();
        int lastWrite = steps.FindLastIndex(s => s is WriteFlashStep);
        Assert.True(lastWrite < steps.FindIndex(s => s.ReleaseModeBurn));
        Assert.All(steps.Skip(lastWrite + 1), s => Assert.True(s.Irreversible));

        var bad = steps.Where(s => s is not WriteFlashStep).Append(steps[lastWrite]).ToList();
        Assert.Throws<InvalidOperationException>(() => new ProvisioningPlan(plan.DeviceId, plan.Mode, true, plan.Table, bad, []));

        var v1 = Plan(ProvisioningMode.Release, revision: 1);
        Assert.DoesNotContain(v1.Steps.OfType<BurnEfuseStep>().SelectMany(b => b.Values), v => v.Field == "UART_DOWNLOAD_DIS");
        Assert.Contains(v1.Notes, n => n.Contains("UART_DOWNLOAD_DIS does not exist before v3"));
        Assert.DoesNotContain(Plan().Steps, s => s.ReleaseModeBurn);
    }

    [Fact]
    public void Plan_ChecksImageSizesAndKeyFiles()
    {
        string big = Path.Combine(_bundle.FleetDirectory, "big.bin");
        File.WriteAllBytes(big, new byte[0x5D001]);
        var e = Assert.Throws<Esp32.Formats.Esp32FormatException>(() => ProvisioningPlanBuilder.Build(new ProvisioningRequest
            { FleetDirectory = _bundle.FleetDirectory, DeviceId = _bundle.DeviceId, DeployPath = big }));
        Assert.Contains("does not fit partition deploy_0", e.Message);

        e = Assert.Throws<Esp32.Formats.Esp32FormatException>(() => ProvisioningPlanBuilder.Build(new ProvisioningRequest
            { FleetDirectory = _bundle.FleetDirectory, DeviceId = _bundle.DeviceId, AppPath = big }));
        Assert.Contains("not", e.Message);

        string key = Path.Combine(_bundle.FleetDirectory, "key16.bin");
        File.WriteAllBytes(key, new byte[16]);
        e = Assert.Throws<Esp32.Formats.Esp32FormatException>(() => ProvisioningPlanBuilder.Build(new ProvisioningRequest
            { FleetDirectory = _bundle.FleetDirectory, DeviceId = _bundle.DeviceId, FlashKeyPath = key }));
        Assert.Contains("needs 32", e.Message);
        File.WriteAllBytes(key, new byte[32]);
        e = Assert.Throws<Esp32.Formats.Esp32FormatException>(() => ProvisioningPlanBuilder.Build(new ProvisioningRequest
            { FleetDirectory = _bundle.FleetDirectory, DeviceId = _bundle.DeviceId, FlashKeyPath = key }));
        Assert.Contains("all 0x00", e.Message);
    }
}
