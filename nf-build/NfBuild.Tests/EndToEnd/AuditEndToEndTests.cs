using NfBuild.Cli;
using NfBuild.Fleet;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// `nf-build audit` on the flash of a provisioned virtual Lolin32, all through the CLI entry point as an operator
/// runs it: `fleet` library for the fleet, `device provision` for the device (with and without encryption), `audit`
/// on its flash.bin. No broker needed.
/// </summary>
public sealed class AuditEndToEndTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private const string Id = "e2e-audit";
    private const string WifiPassword = "e2e wifi passphrase 42";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nfb-e2e-audit-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly FleetDirectory _fleet;

    public AuditEndToEndTests(ITestOutputHelper output)
    {
        this.output = output;
        _fleet = FleetInitializer.Create(_root, new FleetInitOptions { Name = "e2e-audit" });
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = Id, NotAfter = DateTimeOffset.UtcNow.AddYears(1), WifiSsid = "e2e-net", WifiPassword = WifiPassword });
    }

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = NfBuildCli.Run(args, o, e);
        output.WriteLine($"$ nf-build {string.Join(' ', args)}  -> exit {exit}\n{o}{e}");
        return (exit, o.ToString(), e.ToString());
    }

    private string Provision(bool encrypt)
    {
        string dir = Path.Combine(_root, "virtual", encrypt ? "encrypted" : "plain");
        var args = new List<string> { "device", "provision", _root, Id, "--virtual", dir };
        if (!encrypt)
            args.Add("--no-encryption");
        var (exit, _, err) = Run([.. args]);
        Assert.True(exit == 0, err);
        return Path.Combine(dir, "flash.bin");
    }

    [Fact]
    public void Encrypted_device_flash_shows_no_secret_and_the_plaintext_control_shows_every_stored_kind()
    {
        var (cleanExit, cleanOut, _) = Run("audit", Provision(encrypt: true), "--fleet", _root, "--device", Id);
        Assert.Equal(0, cleanExit);
        Assert.Contains($"no plaintext secret of '{Id}'", cleanOut);

        var (foundExit, foundOut, _) = Run("audit", Provision(encrypt: false), "--fleet", _root, "--device", Id);
        Assert.Equal(1, foundExit);
        string[] kinds =
        [
            "private key PEM (SEC1)", "fallback password", "Wi-Fi password",
            "private key DER (SEC1)", "private key DER (PKCS#8)", "private key scalar",
        ];
        var found = kinds.ToDictionary(k => k, k => foundOut.Contains(k, StringComparison.Ordinal));
        foreach (var (kind, present) in found)
            output.WriteLine($"{kind}: {(present ? "found" : "not found")} in the --no-encryption flash");
        // What the device stores (NVS strings: the key as SEC1 PEM, the passwords as text) is all found in plaintext.
        // (The PEM's body lines are searched too; inside a whole PEM the audit reports the whole PEM once.)
        Assert.True(found["private key PEM (SEC1)"]);
        Assert.True(found["fallback password"]);
        Assert.True(found["Wi-Fi password"]);
        // The binary forms would only be in flash if something wrote them there; the firmware never does (NVS holds PEM).
        Assert.False(found["private key DER (SEC1)"] || found["private key DER (PKCS#8)"] || found["private key scalar"],
            "a binary form of the key is in the flash: something besides the NVS PEM stores it");
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
