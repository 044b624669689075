using Esp32.Formats.SecureBoot;
using Esp32.Virtual;
using NfBuild.Tests.Virtual;
using NfBuild.Tests.VirtualDevice;
using NfBuild.VirtualDevice.Provisioning;
using Xunit;

namespace NfBuild.Tests.SecureBoot;

/// <summary>
/// The secure boot v2 steps of the provisioning plan (<c>ProvisioningRequest.SecureBoot</c>): signing key, signed
/// bootloader and app, burn-key-digest and ABS_DONE_1 after every flash write, the refusal before v3.0, and the virtual
/// execution of the plan booting a chip that now enforces the signatures.
/// </summary>
public sealed class SecureBootProvisioningPlanTests : IDisposable
{
    private readonly TestFleetBundle _bundle = new();
    private readonly string _bootloader;

    public SecureBootProvisioningPlanTests()
    {
        _bootloader = Path.Combine(_bundle.FleetDirectory, "bootloader.bin");
        File.WriteAllBytes(_bootloader, TestDevices.App("bootloader", codeBytes: 8192));
    }

    public void Dispose() => _bundle.Dispose();

    private ProvisioningPlan Plan(int revision = 3, long seed = 7, ProvisioningMode mode = ProvisioningMode.Development) => ProvisioningPlanBuilder.Build(new ProvisioningRequest
    {
        FleetDirectory = _bundle.FleetDirectory,
        DeviceId = _bundle.DeviceId,
        BootloaderPath = _bootloader,
        SecureBoot = true,
        ChipRevisionMajor = revision,
        Mode = mode,
        Random = new SeededProvisioningRandom(seed),
        AppBuildTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    });

    [Fact]
    public void Plan_SignsBootloaderAndApp_ThenBurnsTheDigestAndAbsDone1AfterTheFlashWrite()
    {
        var lines = ToolCommandRenderer.RenderScript(Plan(), new ToolContext("/dev/ttyUSB0", "/w")).Where(l => !l.StartsWith('#')).ToList();
        string key = SecureBootSigningKey.DefaultPath(_bundle.FleetDirectory);

        Assert.Contains($"espsecure sign-data --version 2 --keyfile {key} --output /w/bootloader.signed.bin /w/bootloader.bin", lines);
        Assert.Contains($"espsecure sign-data --version 2 --keyfile {key} --output /w/app.signed.bin /w/app.bin", lines);
        Assert.Contains(lines, l => l.StartsWith("espsecure encrypt-flash-data", StringComparison.Ordinal) && l.EndsWith("/w/bootloader.signed.bin", StringComparison.Ordinal));
        int write = lines.FindIndex(l => l.Contains(" write-flash ", StringComparison.Ordinal));
        int digest = lines.IndexOf("espefuse --chip esp32 --port /dev/ttyUSB0 --do-not-confirm burn-key-digest /w/secure_boot_public_key.pem");
        int absDone = lines.IndexOf("espefuse --chip esp32 --port /dev/ttyUSB0 --do-not-confirm burn-efuse ABS_DONE_1 1");
        Assert.True(write >= 0 && digest > write && absDone > digest, string.Join("\n", lines));
        Assert.DoesNotContain(lines.Skip(digest), l => l.Contains(" write-flash ", StringComparison.Ordinal));
    }

    [Fact]
    public void SigningKey_IsCreatedOnce_Rsa3072_Mode0600()
    {
        Plan();
        string key = SecureBootSigningKey.DefaultPath(_bundle.FleetDirectory);
        string first = File.ReadAllText(key);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", first);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Plan(seed: 8);
        Assert.Equal(first, File.ReadAllText(key));
    }

    [Fact]
    public void RefusedBeforeRevision3()
    {
        var e = Assert.Throws<ArgumentException>(() => Plan(revision: 1));
        Assert.Contains("SECURE_BOOT_V2 needs ESP32_REV_MIN_FULL >= 300", e.Message);
    }

    [Fact]
    public void VirtualExecution_BootsAndTheChipNowEnforcesSignatures()
    {
        var (flash, efuses) = VirtualPlanExecutor.Execute(Plan());
        using var pub = System.Security.Cryptography.RSA.Create();
        pub.ImportFromPem(File.ReadAllText(SecureBootSigningKey.DefaultPath(_bundle.FleetDirectory)));

        Assert.True(efuses.SecureBootV2Enabled);
        Assert.Equal(SecureBootV2PublicKey.FromRsa(pub).Digest(), efuses.GetSecureBootKeyDigest());
        var device = new VirtualEsp32(flash, efuses, SecuritySettings.Secure);
        Assert.NotNull(device.PowerOn().RunningSlot);

        // An unsigned app written over ota_0 no longer runs.
        var slot = device.Ota.SlotPartition(0);
        slot.Erase(0, slot.Size);
        slot.Write(0, ProvisioningPlanBuilder.PadTo16(TestDevices.App("9.9.9")));
        Assert.Null(device.Reboot().RunningSlot);
    }

    [Fact]
    public void VirtualExecution_IsReproducibleWithASeed_AndReleaseModeBurnsStayLast()
    {
        var (a, ea) = VirtualPlanExecutor.Execute(Plan(mode: ProvisioningMode.Release));
        var (b, eb) = VirtualPlanExecutor.Execute(Plan(mode: ProvisioningMode.Release));
        Assert.Equal(a.Dump(), b.Dump());
        Assert.Equal(Esp32.Formats.Efuse.Esp32EfuseFile.ToJson(ea), Esp32.Formats.Efuse.Esp32EfuseFile.ToJson(eb));
        Assert.NotNull(new VirtualEsp32(a, ea, SecuritySettings.Secure with { ReleaseMode = true }).PowerOn().RunningSlot);
    }
}

/// <summary>The read-only precondition refuses a chip whose secure boot eFuses are not blank.</summary>
public class SecureBootPreconditionTests
{
    private const string Blank = """{"FLASH_CRYPT_CNT": {"value": 0}, "BLOCK1": {"value": "00 00"}, "ABS_DONE_1": {"value": false}, "BLOCK2": {"value": "00 00 00"}}""";

    [Fact]
    public void BlankSecureBootEfuses_Pass_BurnedOnesAreRefused()
    {
        BoardProvisioner.CheckBlankEfuses(Blank, "/dev/ttyUSB0");
        var e = Assert.Throws<ProvisioningException>(() => BoardProvisioner.CheckBlankEfuses(Blank.Replace("\"value\": false", "\"value\": true"), "/dev/ttyUSB0"));
        Assert.Contains("ABS_DONE_1", e.Message);
        e = Assert.Throws<ProvisioningException>(() => BoardProvisioner.CheckBlankEfuses(Blank.Replace("00 00 00", "00 5a 00"), "/dev/ttyUSB0"));
        Assert.Contains("BLOCK2", e.Message);
    }
}
