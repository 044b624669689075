using System.Security.Cryptography;
using Esp32.Virtual;
using Xunit;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>One HTTPS firmware server, one test CA and one release key for the OTA tests of a class; releases 1.0.0 .. 1.3.0 published.</summary>
public sealed class OtaFixture : IAsyncLifetime
{
    internal TestTls Tls { get; } = new();

    internal ECDsa ReleaseKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    internal TestFirmwareServer Server { get; private set; } = null!;

    internal TestRelease V100 { get; private set; } = null!;
    internal TestRelease V110 { get; private set; } = null!;
    internal TestRelease V120 { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = TestFirmwareServer.Start(Tls.Server());
        V100 = OtaBench.MakeRelease(Server, ReleaseKey, "1.0.0");
        V110 = OtaBench.MakeRelease(Server, ReleaseKey, "1.1.0", secureVersion: 1);
        V120 = OtaBench.MakeRelease(Server, ReleaseKey, "1.2.0", secureVersion: 1);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    internal OtaBench NewBench(SecuritySettings settings)
    {
        var chip = OtaBench.Provision(settings, V100, ReleaseKey);
        var bench = new OtaBench(Server, Tls.RootPublic, ReleaseKey, settings, chip);
        bench.Know(V100);
        bench.StartFirmware();
        return bench;
    }

    internal OtaBench BenchFor(VirtualEsp32 chip, SecuritySettings settings)
    {
        var bench = new OtaBench(Server, Tls.RootPublic, ReleaseKey, settings, chip);
        bench.Know(V100);
        bench.Know(V110);
        bench.Know(V120);
        return bench;
    }
}
