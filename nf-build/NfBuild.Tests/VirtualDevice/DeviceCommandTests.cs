using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using NfBuild.Cli;
using NfBuild.Tests.HostAdapters;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.VirtualDevice;

/// <summary>`nf-build device provision|run` in-process, and the run loop against a real TLS broker.</summary>
[Collection(MqttSessionCollection.Name)]
public sealed class DeviceCommandTests(ITestOutputHelper output) : IDisposable
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

    [Fact]
    public void Provision_WritesTheDevice_AndRejectsBadInputWithOneErrorLine()
    {
        string dir = _bundle.NewOutputDirectory();
        var (exit, text, err) = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", dir);
        Assert.True(exit == 0, err);
        Assert.Contains("flash encryption (development mode) and NVS encryption on", text);
        Assert.True(File.Exists(Path.Combine(dir, "flash.bin")));

        var plain = Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", _bundle.NewOutputDirectory(), "--no-encryption");
        Assert.Equal(0, plain.Exit);
        Assert.Contains("NO encryption", plain.Out);

        foreach (var bad in new[] { "Bad_Id", "dev-0009" })
        {
            string target = _bundle.NewOutputDirectory();
            var r = Cli("device", "provision", _bundle.FleetDirectory, bad, "--virtual", target);
            Assert.NotEqual(0, r.Exit);
            Assert.StartsWith("error: ", r.Err);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.False(File.Exists(Path.Combine(target, "flash.bin")));
        }
        Assert.NotEqual(0, Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", dir).Exit); // occupied
    }

    [Fact]
    public async Task Run_GoesOnlineOnThePrimary_AndReportsWhatTheFlashHolds()
    {
        await using var broker = await TlsTestBroker.StartAsync(_bundle.Pki.IssueServer(), _bundle.Pki.Issuing, _bundle.Pki.Root);
        File.WriteAllText(Path.Combine(_bundle.FleetDirectory, "fleet.json"),
            $$"""{"name":"test","primaryEndpoints":["localhost:{{broker.Port}}"],"fallbackEndpoints":["localhost:{{TlsTestBroker.ClosedPort()}}"]}""");
        string dir = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir, new ProvisionOptions { AppVersion = "1.4.2" });

        var (exit, text, err) = Cli("device", "run", dir, "--fleet", _bundle.FleetDirectory, "--for", "2");

        output.WriteLine(text + err);
        Assert.True(exit == 0, err);
        Assert.Contains("booted: ota_0 version 1.4.2, flash encryption development, NVS encryption on", text);
        Assert.Contains("online-primary", text);
        Assert.Contains("stopped", text);
        string serial = _bundle.Certificate.SerialNumber.ToLowerInvariant();
        Assert.Contains("serial " + serial, text);
        // The broker holds the retained status the device published: version and serial from its flash.
        var status = await broker.Server.GetRetainedMessageAsync($"devices/{_bundle.DeviceId}/status");
        string payload = Encoding.UTF8.GetString(status!.Payload.ToArray<byte>());
        Assert.StartsWith("iotdevice-status-v1\n", payload);
        Assert.Contains("version=1.4.2\n", payload);
        Assert.Contains("slot=0\n", payload);
        Assert.Contains($"serial={serial}\n", payload);
        Assert.Contains("state=offline\n", payload); // orderly stop publishes offline before DISCONNECT
    }

    [Fact]
    public async Task Runner_FallsBackToThePasswordBroker_OnlyWhenTheCertificateIsRefused()
    {
        await using var primary = await TlsTestBroker.StartAsync(_bundle.Pki.IssueServer(), _bundle.Pki.Issuing, _bundle.Pki.Root,
            login: _ => MQTTnet.Protocol.MqttConnectReasonCode.NotAuthorized);
        await using var fallback = await TlsTestBroker.StartAsync(_bundle.Pki.IssueServer(), _bundle.Pki.Issuing, clientRoot: null,
            login: e => e.UserName == _bundle.DeviceId && e.Password == _bundle.FallbackPassword ? MQTTnet.Protocol.MqttConnectReasonCode.Success : MQTTnet.Protocol.MqttConnectReasonCode.BadUserNameOrPassword);
        File.WriteAllText(Path.Combine(_bundle.FleetDirectory, "fleet.json"),
            $$"""{"primaryEndpoints":["localhost:{{primary.Port}}"],"fallbackEndpoints":["localhost:{{fallback.Port}}"]}""");
        string dir = _bundle.NewOutputDirectory();
        VirtualProvisioner.Provision(_bundle.FleetDirectory, _bundle.DeviceId, dir);
        var log = new ConcurrentQueue<string>();
        using var runner = VirtualDeviceRunner.Load(dir, log.Enqueue, _bundle.FleetDirectory);
        using var cts = new CancellationTokenSource();

        var run = Task.Run(() => runner.Run(cts.Token));
        var until = DateTime.UtcNow.AddSeconds(10);
        while (runner.State != "online-fallback" && DateTime.UtcNow < until)
            await Task.Delay(50);
        cts.Cancel();
        await run;

        foreach (string line in log) output.WriteLine(line);
        Assert.Contains(log, l => l.Contains($"primary localhost:{primary.Port} rejected the identity (not-authorized)"));
        Assert.Contains(log, l => l.Contains("-> online-fallback"));
        Assert.Contains(fallback.Connects, c => c.UserName == _bundle.DeviceId && c.ClientCertificate is null);
    }
}
