using Esp32.Formats.AppImage;
using NfBuild.Backend.Apache;
using NfBuild.Fleet;
using NfBuild.Release;
using NfBuild.Simulation;
using NfBuild.Tests.Backend;

namespace NfBuild.Tests.Simulation;

/// <summary>A fleet for simulation tests: made by the Fleet library, every port free on loopback, endpoints 127.0.0.1
/// (the server certificate's IP SAN), a release key before any device (so rel_pubkey is provisioned).</summary>
public sealed class SimulationTestFleet : IDisposable
{
    public SimulationTestFleet(string name)
    {
        Root = Path.Combine(Path.GetTempPath(), "nfb-sim-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        var fleet = FleetInitializer.Create(Root, new FleetInitOptions { Name = "sim-fleet" });
        var free = TestFleet.FreePorts(7);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        settings.PrimaryEndpoints = [$"127.0.0.1:{free[0]}"];
        settings.FallbackEndpoints = [$"127.0.0.1:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        ReleaseKey.Generate(Root);
        Fleet = FleetDirectory.Open(Root);
    }

    public string Root { get; }

    public FleetDirectory Fleet { get; }

    /// <summary>`backend apache write` on a free port, then `release create` + `release publish` of an app whose code
    /// carries the fault lever (<paramref name="faultPermille"/>; 0 = a healthy release).</summary>
    public string PublishRelease(string version, int faultPermille)
    {
        var layout = new ApacheLayout(Fleet);
        if (!File.Exists(layout.ConfigFile))
            ApacheConfigWriter.Write(Fleet, new ApacheWriteOptions { Port = TestFleet.FreePorts(1)[0] });
        string work = Path.Combine(Root, "release-work", version);
        Directory.CreateDirectory(work);
        byte[] code = faultPermille > 0 ? FaultLever.FaultyCode(faultPermille, 8192) : new byte[8192];
        byte[] app = new AppImageBuilder(new AppDescription { Version = version, SecureVersion = 0, ProjectName = "nanoCLR", IdfVersion = "v5.5.1" })
            .AddSegment(0x40080000, code).Build();
        var deploy = new byte[4096];
        new Random(1).NextBytes(deploy);
        File.WriteAllBytes(Path.Combine(work, "nanoCLR.bin"), app);
        File.WriteAllBytes(Path.Combine(work, "deploy.bin"), deploy);
        var created = ReleaseCreator.Create(new ReleaseCreateOptions
        {
            FleetDir = Root, Version = version, SecureVersion = 0, AppPath = Path.Combine(work, "nanoCLR.bin"), DeployPath = Path.Combine(work, "deploy.bin"),
            OutputDir = Path.Combine(work, "rel-" + version), BaseUrl = $"https://localhost:{ApacheConfigWriter.ReadListen(layout.ConfigFile).Port}/",
        });
        ReleasePublisher.Publish(created.Directory, Root);
        return created.Directory;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
