using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using NfBuild.Backend;
using NfBuild.EmbeddedBackend;
using NfBuild.Fleet;
using NfBuild.Tests.Backend;
using Xunit;
using Xunit.Abstractions;
using Embedded = NfBuild.EmbeddedBackend.EmbeddedBackend;

namespace NfBuild.Tests.EmbeddedBackend;

/// <summary>The embedded broker's renewal hook, retained status, last will and user removal (no RabbitMQ needed).</summary>
public sealed class EmbeddedBackendTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestFleet _fleet = new();
    private readonly RecordingHandler _handler = new();
    private Embedded _backend = null!;

    public async Task InitializeAsync() =>
        _backend = await Embedded.StartAsync(_fleet.FleetDir, new EmbeddedBackendOptions { PrimaryPort = 0, FallbackPort = 0, FirmwarePort = 0, Renewal = _handler, Log = output.WriteLine });

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _fleet.Dispose();
    }

    private sealed class RecordingHandler : IRenewalHandler
    {
        public ConcurrentQueue<(string Vhost, string DeviceId, string Kind, string Payload)> Seen { get; } = new();

        public byte[]? Handle(string vhost, string deviceId, string kind, byte[] payload)
        {
            Seen.Enqueue((vhost, deviceId, kind, Encoding.UTF8.GetString(payload)));
            return Encoding.UTF8.GetBytes($"answer {vhost} {deviceId} {kind}");
        }
    }

    private MqttClientOptions Primary(string id, string? clientId = null) =>
        MqttTestClient.Options(_backend.Primary.Port, clientId ?? id, _fleet.RootCa, _fleet.Devices[id].Certificate());

    private MqttClientOptions Fallback(string id) =>
        MqttTestClient.Options(_backend.Fallback.Port, id, _fleet.RootCa, null, id, _fleet.Devices[id].FallbackPassword);

    private static async Task<T> Within<T>(Task<T> task, int ms = 10_000) =>
        await Task.WhenAny(task, Task.Delay(ms)) == task ? await task : throw new TimeoutException("nothing within " + ms + " ms");

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (int i = 0; i < 100 && !condition(); i++)
            await Task.Delay(50);
        Assert.True(condition(), what);
    }

    [Theory]
    [InlineData("primary")]
    [InlineData("fallback")]
    public async Task Renewal_request_reaches_the_handler_and_the_answer_reaches_the_device_on_the_same_endpoint(string node)
    {
        string id = TestFleet.Active1;
        using var device = await MqttTestClient.ConnectAsync(node == "primary" ? Primary(id) : Fallback(id));
        var answer = new TaskCompletionSource<(string Topic, string Payload)>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ApplicationMessageReceivedAsync += e =>
        {
            answer.TrySetResult((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
            return Task.CompletedTask;
        };
        await device.SubscribeAsync($"devices/{id}/renew/response", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True((await MqttTestClient.PublishAsync(device, $"devices/{id}/renew/request", "iotdevice-renewal-request-v1\n")).IsSuccess);

        var (topic, payload) = await Within(answer.Task);
        string vhost = node == "primary" ? "iot" : "fallback";
        Assert.Equal($"devices/{id}/renew/response", topic);
        Assert.Equal($"answer {vhost} {id} request", payload);
        Assert.Equal((vhost, id, "request", "iotdevice-renewal-request-v1\n"), Assert.Single(_handler.Seen));
    }

    [Fact]
    public async Task Status_is_the_commit_feed_on_the_primary_only_and_is_retained_and_never_answered()
    {
        string id = TestFleet.Active2;
        using (var primary = await MqttTestClient.ConnectAsync(Primary(id)))
            Assert.True((await MqttTestClient.PublishAsync(primary, $"devices/{id}/status", "iotdevice-status-v1\nstate=online\n", retain: true)).IsSuccess);
        using (var fallback = await MqttTestClient.ConnectAsync(Fallback(id)))
            Assert.True((await MqttTestClient.PublishAsync(fallback, $"devices/{id}/status", "iotdevice-status-v1\nstate=fallback\n", retain: true)).IsSuccess);

        await Eventually(() => _backend.Primary.RenewalMessagesHandled == 1, "the primary status reached the handler");
        await Task.Delay(300);
        Assert.Equal(("iot", id, "status", "iotdevice-status-v1\nstate=online\n"), Assert.Single(_handler.Seen));
        Assert.Equal(0, _backend.Fallback.RenewalMessagesHandled);
        var retained = await _backend.Primary.Server.GetRetainedMessagesAsync();
        Assert.Equal("iotdevice-status-v1\nstate=online\n", Assert.Single(retained, m => m.Topic == $"devices/{id}/status").ConvertPayloadToString());
    }

    [Fact]
    public async Task Last_will_is_published_as_retained_status_and_a_will_on_another_devices_topic_is_dropped()
    {
        var honest = Primary(TestFleet.Active1);
        honest.WillTopic = "devices/dev-a/status";
        honest.WillPayload = Encoding.UTF8.GetBytes("iotdevice-status-v1\nstate=offline\n");
        honest.WillRetain = true;
        honest.WillQualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce;
        var forger = Primary(TestFleet.Active2);
        forger.WillTopic = "devices/dev-a/status";
        forger.WillPayload = Encoding.UTF8.GetBytes("iotdevice-status-v1\nstate=forged\n");
        forger.WillRetain = true;
        forger.WillQualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce;
        var a = await MqttTestClient.ConnectAsync(honest);
        var b = await MqttTestClient.ConnectAsync(forger);
        _backend.Primary.DropConnections(); // a network loss: no DISCONNECT, so both wills go out
        a.Dispose();
        b.Dispose();

        await Eventually(() => _handler.Seen.Count >= 1, "the will reached the status feed");
        await Task.Delay(500);
        Assert.Equal(("iot", "dev-a", "status", "iotdevice-status-v1\nstate=offline\n"), Assert.Single(_handler.Seen));
        var retained = await _backend.Primary.Server.GetRetainedMessagesAsync();
        Assert.Equal("iotdevice-status-v1\nstate=offline\n", Assert.Single(retained).ConvertPayloadToString());
        Assert.Contains(_backend.Primary.Refusals, r => r.Contains("user 'dev-b'", StringComparison.Ordinal) && r.Contains("devices.dev-a.status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dotted_topic_is_routed_and_retained_under_its_routing_key_as_RabbitMQ_does()
    {
        using var device = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active1));
        Assert.True((await MqttTestClient.PublishAsync(device, "devices.dev-a.status", "iotdevice-status-v1\nstate=online\n", retain: true)).IsSuccess);
        var retained = await _backend.Primary.Server.GetRetainedMessagesAsync();
        Assert.Equal("devices/dev-a/status", Assert.Single(retained).Topic);
        await Eventually(() => _handler.Seen.Count == 1, "the dotted status reached the status feed as dev-a's");
    }

    [Fact]
    public async Task Revoking_a_device_and_reloading_the_registry_closes_its_connections_on_both_endpoints()
    {
        string id = TestFleet.Removable;
        using var primary = await MqttTestClient.ConnectAsync(Primary(id));
        using var fallback = await MqttTestClient.ConnectAsync(Fallback(id));
        using var other = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active1));
        var closedP = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closedF = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        primary.DisconnectedAsync += _ => { closedP.TrySetResult(); return Task.CompletedTask; };
        fallback.DisconnectedAsync += _ => { closedF.TrySetResult(); return Task.CompletedTask; };

        DeviceRevocation.Revoke(_fleet.FleetDir, id);
        await _backend.ReloadRegistryAsync();

        await Within(Task.WhenAll(closedP.Task, closedF.Task).ContinueWith(_ => 0));
        Assert.True(other.IsConnected);
        var again = await MqttTestClient.ConnectFailureAsync(Fallback(id));
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, MqttTestClient.ConnackCode(again));
    }
}
