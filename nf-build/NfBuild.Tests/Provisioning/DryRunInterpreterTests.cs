using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Ota;
using Esp32.Formats.SecureBoot;
using Esp32.Virtual;
using NfBuild.Cli;
using NfBuild.Tests.VirtualDevice;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Provisioning;

/// <summary>
/// The verification of board provisioning: the command sequence `device provision --dry-run` prints is run, line
/// by line, on a blank virtual chip by <see cref="ToolInterpreter"/> (which parses the printed esptool / espsecure /
/// espefuse lines and maps each to the Esp32.Formats / Esp32.Virtual operation; it does not use the plan objects),
/// and must give exactly the flash.bin and efuses.json that `device provision --virtual` writes, which must boot with
/// flash and NVS encryption on and read back the identity.
/// </summary>
public sealed class DryRunInterpreterTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFleetBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = NfBuildCli.Run(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    private string WriteReleaseKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = key.ExportSubjectPublicKeyInfoPem() + "\n";
        Directory.CreateDirectory(Path.Combine(_bundle.FleetDirectory, "release"));
        File.WriteAllText(Path.Combine(_bundle.FleetDirectory, "release", "release.pub.pem"), pem);
        return pem;
    }

    [Theory]
    [InlineData("development")]
    [InlineData("release")]
    public void DryRunSequence_InterpretedOnABlankChip_IsByteForByteTheVirtualProvisioning_AndBoots(string mode)
    {
        string releasePem = WriteReleaseKey();
        string work = Path.Combine(_bundle.FleetDirectory, "work-" + mode);
        string virtualDir = _bundle.NewOutputDirectory();

        var dry = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/ttyUSB7", "--dry-run",
            "--work-dir", work, "--mode", mode, "--test-key-seed", "4242");
        Assert.True(dry.Exit == 0, dry.Err);
        output.WriteLine(dry.Out);
        var virt = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", virtualDir, "--mode", mode, "--test-key-seed", "4242");
        Assert.True(virt.Exit == 0, virt.Err);

        var commands = ToolInterpreter.CommandLines(dry.Out);
        Assert.Contains(commands, c => c[0] == "esptool" && c.Contains("write-flash"));
        // The dry run names every file it would write, and wrote them into the work dir.
        foreach (string file in ToolInterpreter.InputFiles(commands))
            Assert.True(File.Exists(file), $"{file} named by the dry run does not exist");
        Assert.All(ToolInterpreter.InputFiles(commands), f => Assert.StartsWith(work, f));

        var interpreter = new ToolInterpreter();
        foreach (var command in commands)
            interpreter.Run(command);

        Assert.Equal(File.ReadAllBytes(Path.Combine(virtualDir, "flash.bin")), interpreter.Chip.Dump());
        Assert.Equal(File.ReadAllText(Path.Combine(virtualDir, "efuses.json")), Esp32EfuseFile.ToJson(interpreter.Efuses));

        // Ordering: no release-mode burn before the last flash write.
        int lastWrite = commands.FindLastIndex(c => c[0] == "esptool" && c.Contains("write-flash"));
        int firstRelease = commands.FindIndex(ToolInterpreter.IsReleaseModeBurn);
        if (mode == "release")
            Assert.True(firstRelease > lastWrite, $"release-mode burn at command {firstRelease} before the last write at {lastWrite}");
        else
            Assert.Equal(-1, firstRelease);

        // The interpreted chip boots with flash and NVS encryption and reads its identity.
        var device = new VirtualEsp32(interpreter.Chip, interpreter.Efuses, SecuritySettings.Secure);
        Assert.True(device.Efuses.FlashEncryptionEnabled);
        Assert.Equal(mode == "release" ? Esp32FlashEncryptionMode.Release : Esp32FlashEncryptionMode.Development, device.Efuses.FlashEncryptionMode);
        Assert.All(device.Efuses.ReadBlock1(), b => Assert.Equal(0, b)); // key read-protected
        BootReport boot = device.PowerOn();
        Assert.False(boot.EncryptedOnThisBoot);
        Assert.Equal(AppSlot.Ota(0), boot.RunningSlot);
        Assert.Equal("1.0.0", boot.RunningVersion);
        var store = new VirtualNvsSecureStore(device.MountNvs());
        Assert.Equal(_bundle.DeviceId, store.GetString("iotdev", "dev_id"));
        Assert.Equal(_bundle.KeyPem, store.GetString("iotdev", "id0_key"));
        Assert.Equal(_bundle.CertificatePem, store.GetString("iotdev", "id0_crt"));
        Assert.Equal(_bundle.FallbackPassword, store.GetString("iotdev", "id0_fbpw"));
        Assert.Equal(releasePem, store.GetString("iotdev", "rel_pubkey"));

        // Nothing secret in the dump (the key PEM's base64 lines, the fallback password).
        byte[] dump = interpreter.Chip.Dump();
        Assert.True(dump.AsSpan().IndexOf(Encoding.ASCII.GetBytes(_bundle.FallbackPassword)) < 0);
        Assert.True(dump.AsSpan().IndexOf(Encoding.ASCII.GetBytes(_bundle.KeyPem.Split('\n')[1])) < 0);
    }

    [Fact]
    public void OnChipKey_WritesPlaintextAndBurnsNothing_AndTheFirstBootEncrypts()
    {
        string work = Path.Combine(_bundle.FleetDirectory, "work-onchip");
        var dry = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/ttyUSB7", "--dry-run", "--on-chip-key", "--work-dir", work);
        Assert.True(dry.Exit == 0, dry.Err);
        var commands = ToolInterpreter.CommandLines(dry.Out);
        Assert.Equal(["esptool"], commands.Select(c => c[0]));
        Assert.Contains("first boot generates its key", dry.Out);
        Assert.False(File.Exists(Path.Combine(work, "flash_encryption_key.bin")));

        var interpreter = new ToolInterpreter();
        foreach (var command in commands)
            interpreter.Run(command);
        Assert.False(interpreter.Efuses.HasFlashEncryptionKey);
        // The board's first boot (bootloader built with flash encryption): key generated on the chip, flash encrypted in place.
        var device = new VirtualEsp32(interpreter.Chip, interpreter.Efuses, SecuritySettings.Secure);
        BootReport boot = device.PowerOn();
        Assert.True(boot.EncryptedOnThisBoot);
        Assert.Equal(Esp32FlashEncryptionMode.Development, device.Efuses.FlashEncryptionMode);
        Assert.Equal(_bundle.DeviceId, new VirtualNvsSecureStore(device.MountNvs()).GetString("iotdev", "dev_id"));
        Assert.True(device.Flash.Dump().AsSpan().IndexOf(Encoding.ASCII.GetBytes(_bundle.FallbackPassword)) < 0);

        string dir = _bundle.NewOutputDirectory();
        var virt = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", dir, "--on-chip-key", "--mode", "release");
        Assert.True(virt.Exit == 0, virt.Err);
        var saved = VirtualProvisioner.Load(dir);
        Assert.Equal(Esp32FlashEncryptionMode.Release, saved.Efuses.FlashEncryptionMode);
        saved.PowerOn();
        Assert.Equal(_bundle.KeyPem, new VirtualNvsSecureStore(saved.MountNvs()).GetString("iotdev", "id0_key"));
    }

    [Fact]
    public void DryRun_NamesItsWorkDir_WritesTheKeyFilesPrivately_AndSaysARealRunNeedsConfirmation()
    {
        var dry = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/ttyUSB7", "--dry-run");
        Assert.True(dry.Exit == 0, dry.Err);
        string work = dry.Out.Split('\n').First(l => l.StartsWith("# board provisioning", StringComparison.Ordinal)).Split("work dir ")[1].Trim();
        try
        {
            Assert.True(File.Exists(Path.Combine(work, "flash_encryption_key.bin")));
            Assert.Equal(32, new FileInfo(Path.Combine(work, "flash_encryption_key.bin")).Length);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(work, "nvs_keys.bin")));
            Assert.Contains("needs --confirm-irreversible", dry.Out);
            Assert.Contains("placeholder", dry.Out);
            Assert.DoesNotContain("WARNING: --test-key-seed", dry.Out);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void EachRunWithoutATestSeed_GeneratesDifferentKeys()
    {
        string a = Path.Combine(_bundle.FleetDirectory, "wa"), b = Path.Combine(_bundle.FleetDirectory, "wb");
        Assert.Equal(0, Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/x", "--dry-run", "--work-dir", a).Exit);
        Assert.Equal(0, Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/x", "--dry-run", "--work-dir", b).Exit);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "flash_encryption_key.bin")), File.ReadAllBytes(Path.Combine(b, "flash_encryption_key.bin")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "nvs_keys.bin")), File.ReadAllBytes(Path.Combine(b, "nvs_keys.bin")));
    }

    [Theory]
    [InlineData("development")]
    [InlineData("release")]
    public void SecureBootDryRun_InterpretedOnABlankChip_IsByteForByteTheVirtualProvisioning_AndEnforcesSignatures(string mode)
    {
        string bootloader = Path.Combine(_bundle.FleetDirectory, "bootloader.bin");
        File.WriteAllBytes(bootloader, NfBuild.Tests.Virtual.TestDevices.App("bootloader", codeBytes: 8192));
        string work = Path.Combine(_bundle.FleetDirectory, "work-sb-" + mode);
        string virtualDir = _bundle.NewOutputDirectory();
        string[] common = ["--mode", mode, "--secure-boot", "--bootloader", bootloader, "--test-key-seed", "4242"];

        var dry = Cli(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--port", "/dev/ttyUSB7", "--dry-run", "--work-dir", work, .. common]);
        Assert.True(dry.Exit == 0, dry.Err);
        output.WriteLine(dry.Out);
        var virt = Cli(["device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", virtualDir, .. common]);
        Assert.True(virt.Exit == 0, virt.Err);

        var commands = ToolInterpreter.CommandLines(dry.Out);
        Assert.Equal(2, commands.Count(c => c[0] == "espsecure" && c.Contains("sign-data")));
        var interpreter = new ToolInterpreter();
        foreach (var command in commands)
            interpreter.Run(command);

        Assert.Equal(File.ReadAllBytes(Path.Combine(virtualDir, "flash.bin")), interpreter.Chip.Dump());
        Assert.Equal(File.ReadAllText(Path.Combine(virtualDir, "efuses.json")), Esp32EfuseFile.ToJson(interpreter.Efuses));

        // Every flash write before the digest and ABS_DONE_1.
        int lastWrite = commands.FindLastIndex(c => c[0] == "esptool" && c.Contains("write-flash"));
        int digest = commands.FindIndex(c => c[0] == "espefuse" && c.Contains("burn-key-digest"));
        int absDone = commands.FindIndex(c => c[0] == "espefuse" && c.Contains("ABS_DONE_1"));
        Assert.True(lastWrite >= 0 && digest > lastWrite && absDone > digest, $"write {lastWrite}, digest {digest}, ABS_DONE_1 {absDone}");

        var device = new VirtualEsp32(interpreter.Chip, interpreter.Efuses, SecuritySettings.Secure with { ReleaseMode = mode == "release" });
        Assert.True(device.Efuses.SecureBootV2Enabled);
        Assert.Equal("1.0.0", device.PowerOn().RunningVersion);
        var slot = device.Ota.SlotPartition(0);
        slot.Erase(0, slot.Size);
        slot.Write(0, NfBuild.VirtualDevice.Provisioning.ProvisioningPlanBuilder.PadTo16(NfBuild.Tests.Virtual.TestDevices.App("6.6.6")));
        Assert.Null(device.Reboot().RunningSlot);
    }

    [Fact]
    public void SecureBoot_IsRefusedBeforeRevision3_WithTheReason()
    {
        var plan = Assert.Throws<ArgumentException>(() => NfBuild.VirtualDevice.Provisioning.ProvisioningPlanBuilder.Build(new NfBuild.VirtualDevice.Provisioning.ProvisioningRequest
        {
            FleetDirectory = _bundle.FleetDirectory,
            DeviceId = _bundle.DeviceId,
            SecureBoot = true,
            ChipRevisionMajor = 1,
        }));
        Assert.Contains("SECURE_BOOT_V2 needs ESP32_REV_MIN_FULL >= 300", plan.Message);
    }
}

/// <summary>
/// A test-only interpreter of printed esptool v5 / espsecure / espefuse command lines on a virtual chip. Written
/// from the tools' documented behaviour, not from the provisioning code: write-flash erases the 4 KB sectors it
/// covers and writes raw bytes; encrypt-flash-data is ESP32 flash encryption with the key file and address;
/// burn-key flash_encryption stores the key (reversed) in BLOCK1 and read/write-protects it; burn-efuse burns fields;
/// write-protect-efuse burns the field's WR_DIS bit.
/// </summary>
internal sealed class ToolInterpreter
{
    public FlashChip Chip { get; } = new();

    public Esp32Efuses Efuses { get; } = new();

    /// <summary>The command lines of a printed sequence (comments and warnings skipped), split as a POSIX shell would.</summary>
    public static List<string[]> CommandLines(string printed) =>
        printed.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("WARNING", StringComparison.Ordinal))
            .Select(Split).ToList();

    public static string[] Split(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inQuote = false, any = false;
        foreach (char c in line)
        {
            if (inQuote)
            {
                if (c == '\'') inQuote = false;
                else current.Append(c);
            }
            else if (c == '\'') { inQuote = true; any = true; }
            else if (c == ' ')
            {
                if (any || current.Length > 0) args.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else current.Append(c);
        }
        if (any || current.Length > 0) args.Add(current.ToString());
        return args.ToArray();
    }

    /// <summary>Files the sequence reads that no command of it writes (i.e. nf-build's work files).</summary>
    public static IEnumerable<string> InputFiles(List<string[]> commands)
    {
        var outputs = new HashSet<string>();
        var inputs = new List<string>();
        foreach (var c in commands)
        {
            var (_, sub, rest) = Globals(c);
            if (c[0] == "espsecure")
            {
                var o = Options(rest, out var positional);
                inputs.Add(o["--keyfile"]);
                inputs.Add(positional[0]);
                outputs.Add(o["--output"]);
            }
            else if (sub == "write-flash")
                inputs.AddRange(rest.Where((_, i) => i % 2 == 1));
            else if (sub == "burn-key")
                inputs.Add(rest[1]);
        }
        return inputs.Where(i => !outputs.Contains(i)).Distinct();
    }

    public static bool IsReleaseModeBurn(string[] c)
    {
        if (c[0] != "espefuse")
            return false;
        var (_, sub, rest) = Globals(c);
        if (sub == "write-protect-efuse")
            return rest.Contains("DIS_CACHE");
        if (sub != "burn-efuse")
            return false;
        for (int i = 0; i + 1 < rest.Length; i += 2)
        {
            if (rest[i] is "DISABLE_DL_ENCRYPT" or "DISABLE_DL_DECRYPT" or "DISABLE_DL_CACHE" or "UART_DOWNLOAD_DIS" or "JTAG_DISABLE")
                return true;
            if (rest[i] == "FLASH_CRYPT_CNT" && ParseInt(rest[i + 1]) == 0x7F)
                return true;
        }
        return false;
    }

    public void Run(string[] c)
    {
        var (globals, sub, rest) = Globals(c);
        switch (c[0], sub)
        {
            case ("espsecure", "encrypt-flash-data"):
            {
                var o = Options(rest, out var positional);
                byte[] key = File.ReadAllBytes(o.GetValueOrDefault("--keyfile") ?? o["-k"]);
                int address = (int)ParseInt(o.GetValueOrDefault("--address") ?? o["-a"]);
                int conf = o.TryGetValue("--flash-crypt-conf", out var cc) ? (int)ParseInt(cc) : 0xF;
                byte[] plain = File.ReadAllBytes(positional.Single());
                File.WriteAllBytes(o.GetValueOrDefault("--output") ?? o["-o"], Esp32FlashEncryption.Encrypt(key, address, plain, conf));
                break;
            }
            case ("esptool", "write-flash"):
            {
                Assert.Equal("esp32", globals["--chip"]);
                Assert.Equal("no-reset", globals["--after"]); // the board must not boot between the writes and the eFuse burns
                Assert.Equal(0, rest.Length % 2);
                for (int i = 0; i < rest.Length; i += 2)
                {
                    int address = (int)ParseInt(rest[i]);
                    byte[] data = File.ReadAllBytes(rest[i + 1]);
                    int start = address & ~0xFFF, end = (address + data.Length + 0xFFF) & ~0xFFF;
                    Chip.Io.Erase(start, end - start);
                    Chip.Io.Write(address, data);
                }
                break;
            }
            case ("espsecure", "sign-data"):
            {
                // sign-data --version 2: the input padded with 0xFF to 4 KB, then a 4 KB sector with one signature block.
                // espsecure's PSS salt is random, so a signed file already in place (nf-build's dry run writes the one its
                // own run flashes) is kept when it is exactly that up to the salt; otherwise the interpreter signs.
                var o = Options(rest, out var positional);
                Assert.Equal("2", o["--version"]);
                using var key = RSA.Create();
                key.ImportFromPem(File.ReadAllText(o["--keyfile"]));
                byte[] input = File.ReadAllBytes(positional.Single());
                string signedPath = o["--output"];
                if (File.Exists(signedPath))
                {
                    byte[] signedFile = File.ReadAllBytes(signedPath);
                    Assert.Equal(SecureBootV2Signer.AlignUp(input.Length) + 4096, signedFile.Length);
                    Assert.True(signedFile.AsSpan(0, input.Length).SequenceEqual(input));
                    Assert.Null(SecureBootV2Verifier.Verify(signedFile, input.Length, SecureBootV2PublicKey.FromRsa(key).Digest()));
                }
                else
                {
                    File.WriteAllBytes(signedPath, SecureBootV2Signer.Sign(input, key));
                }
                break;
            }
            case ("espefuse", "burn-key-digest"):
            {
                // The SHA-256 of the public key block (n, e, rinv, mdash) into BLOCK2, as is, write-protected.
                using var key = RSA.Create();
                key.ImportFromPem(File.ReadAllText(rest[0]));
                Efuses.BurnSecureBootKeyDigest(SecureBootV2PublicKey.FromRsa(key).Digest(), chipRevision: 300, protectKey: !rest.Contains("--no-protect-key"));
                break;
            }
            case ("espefuse", "burn-key"):
                Assert.Equal("flash_encryption", rest[0]);
                Efuses.BurnFlashEncryptionKey(File.ReadAllBytes(rest[1]), protectKey: !rest.Contains("--no-protect-key"));
                break;
            case ("espefuse", "burn-efuse"):
                for (int i = 0; i < rest.Length; i += 2)
                    Efuses.Burn(Esp32EfuseFields.Find(rest[i]) ?? throw new InvalidOperationException("unknown eFuse " + rest[i]), ParseInt(rest[i + 1]));
                break;
            case ("espefuse", "write-protect-efuse"):
                foreach (string name in rest)
                {
                    if (name == "DIS_CACHE") // WR_DIS bit 3 (espefuse esp32.yaml: DIS_CACHE wr_dis 3)
                        Efuses.Burn(Esp32EfuseFields.WrDis, Efuses.ReadHardware(Esp32EfuseFields.WrDis) | (1u << 3));
                    else
                        Efuses.WriteProtect(Esp32EfuseFields.Find(name)!);
                }
                break;
            default:
                throw new InvalidOperationException($"the interpreter does not know `{string.Join(' ', c)}`");
        }
    }

    /// <summary>Tool-level options (before the subcommand), the subcommand, and the rest.</summary>
    private static (Dictionary<string, string> Globals, string Sub, string[] Tail) Globals(string[] c)
    {
        var globals = new Dictionary<string, string>();
        int i = 1;
        while (i < c.Length && c[i].StartsWith('-'))
        {
            if (c[i] == "--do-not-confirm") { globals[c[i]] = ""; i++; continue; }
            globals[c[i]] = c[i + 1];
            i += 2;
        }
        return (globals, c[i], c[(i + 1)..]);
    }

    private static Dictionary<string, string> Options(string[] rest, out List<string> positional)
    {
        var o = new Dictionary<string, string>();
        positional = [];
        for (int i = 0; i < rest.Length; i++)
        {
            if (rest[i].StartsWith('-')) { o[rest[i]] = rest[i + 1]; i++; }
            else positional.Add(rest[i]);
        }
        return o;
    }

    private static uint ParseInt(string s) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? uint.Parse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : uint.Parse(s, CultureInfo.InvariantCulture);
}
