using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Tests.Release;
using Xunit;

namespace NfBuild.Tests.Rollout;

/// <summary>`release rollout` in waves: its input is refused with one `error:` line before any release check or network
/// use, and the targets come from the registry (revoked devices never).</summary>
public class RolloutOptionTests
{
    private static (ReleaseWorkspace W, string Release) Workspace()
    {
        var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "3.4.0", 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin"), "--base-url", "https://fw.example.test:8443/").Exit);
        w.Ws.Ok("fleet", "add-device", w.FleetDir, "sensor-1");
        w.Ws.Ok("fleet", "add-device", w.FleetDir, "sensor-2");
        w.Ws.Ok("fleet", "add-device", w.FleetDir, "sensor-3");
        w.Ws.Ok("fleet", "revoke", w.FleetDir, "sensor-2");
        return (w, rel);
    }

    [Fact]
    public void Bad_input_is_one_error_line_and_nothing_on_stdout()
    {
        var (w, rel) = Workspace();
        using var _ = w;
        void Refused(string expected, params string[] extra)
        {
            var (exit, output, err) = w.Ws.Run(["release", "rollout", w.FleetDir, rel, .. extra]);
            Assert.Equal(1, exit);
            Assert.Equal("", output);
            Assert.StartsWith("error: ", err);
            Assert.Contains(expected, err);
        }
        // The release is not published: every refusal below is the input's, found before the release is looked at.
        Refused("--device and --all exclude each other", "--device", "sensor-1", "--all");
        Refused("name the devices to update: --device <id> (repeatable) or --all");
        Refused("name the devices to update", "--waves", "50,100");
        Refused("device 'sensor-1' is named twice", "--device", "sensor-1", "--device", "sensor-1");
        Refused("device 'sensor-9' is not registered", "--device", "sensor-1", "--device", "sensor-9");
        Refused("device 'sensor-2' is revoked: it gets no commands", "--device", "sensor-2", "--wait");
        Refused("device 'sensor-2' is revoked", "--device", "sensor-1", "--device", "sensor-2");
        Refused(WavePlan.Rule, "--all", "--waves", "25,50");
        Refused(WavePlan.Rule, "--all", "--waves", "50,25,100");
        Refused("--waves: 'x' is not a percentage", "--all", "--waves", "x,100");
        Refused("--abort-above: '1.5' is not a rate between 0 and 1", "--all", "--abort-above", "1.5");
        Refused("--abort-above: 'lots' is not a rate between 0 and 1", "--all", "--abort-above", "lots");
        Refused("--wave-timeout: 'soon' is not a positive duration", "--all", "--wave-timeout", "soon");
        Refused("--wave-timeout: '0' is not a positive duration", "--all", "--wave-timeout", "0");
        Refused("--wave-timeout and --abort-above apply to a rollout that waits for outcomes", "--device", "sensor-1", "--wave-timeout", "30s");
        // Valid input: now the release is checked (and refused, it is not published), before any connection.
        Refused("release 3.4.0 is not published", "--all", "--waves", "50,100", "--wave-timeout", "2m", "--abort-above", "0.2");
        Refused("release 3.4.0 is not published", "--device", "sensor-1", "--wait");
    }

    [Fact]
    public void All_takes_every_active_device_in_registry_order_and_named_devices_keep_their_order()
    {
        var (w, _) = Workspace();
        using var _w = w;
        var fleet = FleetDirectory.Open(w.FleetDir);
        Assert.Equal(["sensor-1", "sensor-3"], RolloutTargets.Resolve(fleet, [], all: true));
        Assert.Equal(["sensor-3", "sensor-1"], RolloutTargets.Resolve(fleet, ["sensor-3", "sensor-1"], all: false));
        w.Ws.Ok("fleet", "revoke", w.FleetDir, "sensor-1");
        w.Ws.Ok("fleet", "revoke", w.FleetDir, "sensor-3");
        Assert.Contains("has no active device", Assert.Throws<BackendException>(() => RolloutTargets.Resolve(FleetDirectory.Open(w.FleetDir), [], all: true)).Message);
    }

    [Fact]
    public void Durations_are_seconds_or_carry_a_unit()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), NfBuild.Cli.DurationParser.Parse("90", "--wave-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(90), NfBuild.Cli.DurationParser.Parse("90s", "--wave-timeout"));
        Assert.Equal(TimeSpan.FromMinutes(10), NfBuild.Cli.DurationParser.Parse("10m", "--wave-timeout"));
        Assert.Equal(TimeSpan.FromHours(1.5), NfBuild.Cli.DurationParser.Parse("1.5h", "--wave-timeout"));
        Assert.Throws<NfBuild.Cli.CliUsageException>(() => NfBuild.Cli.DurationParser.Parse("-3", "--wave-timeout"));
        Assert.Throws<NfBuild.Cli.CliUsageException>(() => NfBuild.Cli.DurationParser.Parse("m", "--wave-timeout"));
    }
}
