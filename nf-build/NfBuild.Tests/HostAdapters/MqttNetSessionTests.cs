using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IotDevice.Core.Platform;
using IotDevice.Host.Adapters;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.HostAdapters;

/// <summary>Tests that open MqttNetSessions run one at a time: they assert the process-wide TLS session count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MqttSessionCollection
{
    public const string Name = "MqttNetSession";
}

/// <summary>
/// <see cref="MqttNetSession"/> against a real MQTT broker behind real TLS 1.2 (see <see cref="TlsTestBroker"/>):
/// every connect outcome the connection policy depends on, publish/subscribe, drops, session counting.
/// </summary>
[Collection(MqttSessionCollection.Name)]
public sealed class MqttNetSessionTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "dev-0001";
    private readonly TestPki _pki = TestPki.Create();
    private readonly TestPki _other = TestPki.Create("Attacker");

    public void Dispose()
    {
        _pki.Dispose();
        _other.Dispose();
    }

    private MqttEndpoint Endpoint(TlsTestBroker broker, string host = "localhost") => new(host, broker.Port, _pki.RootPemBytes);

    private MqttCredentials DeviceCredentials(X509Certificate2 leaf, TestPki? issuer = null) =>
        MqttCredentials.FromCertificate(DeviceId, (issuer ?? _pki).ChainPem(leaf), TestPki.KeyPem(leaf));

    private static MqttWill Will => new($"devices/{DeviceId}/status", Encoding.UTF8.GetBytes("iotdevice-status-v1\nstate=offline\n"), retain: true);

    private Task<TlsTestBroker> PrimaryBroker(TestPki? serverPki = null, X509Certificate2? serverCert = null)
    {
        var pki = serverPki ?? _pki;
        return TlsTestBroker.StartAsync(serverCert ?? pki.IssueServer(), pki.Issuing, _pki.Root);
    }

    private static async Task WaitFor(Func<bool> condition, string what, int milliseconds = 5000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(milliseconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                Assert.Fail("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task MutualTls_ConnectPublishSubscribeReceive()
    {
        await using var broker = await PrimaryBroker();
        var published = new ConcurrentQueue<MqttApplicationMessage>();
        broker.Server.InterceptingPublishAsync += e =>
        {
            published.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();
        var received = new ConcurrentQueue<MqttMessage>();
        session.MessageReceived += (_, m) => received.Enqueue(m);

        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        Assert.True(session.IsConnected);
        Assert.Equal(1, session.TlsSessions.Open);

        // The CONNECT the broker saw: certificate login sends no username/password, persistent session.
        Assert.True(broker.Connects.TryDequeue(out var connect));
        Assert.False(connect!.CleanSession);
        Assert.True(string.IsNullOrEmpty(connect.UserName));
        Assert.True(connect.RawPassword is null or { Length: 0 });
        Assert.Equal(DeviceId, connect.ClientId);
        Assert.Equal(DeviceId, connect.ClientCertificate.GetNameInfo(X509NameType.SimpleName, false));

        // The broker saw our certificate: it is the client certificate of the TLS session.
        var client = Assert.Single(await broker.Server.GetClientsAsync());
        Assert.Equal(DeviceId, client.Id);

        Assert.True(session.Subscribe($"devices/{DeviceId}/commands"));
        await broker.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(
            new MqttApplicationMessageBuilder().WithTopic($"devices/{DeviceId}/commands").WithPayload("reboot").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()));
        await WaitFor(() => !received.IsEmpty, "the command");
        Assert.True(received.TryDequeue(out var command));
        Assert.Equal($"devices/{DeviceId}/commands", command!.Topic);
        Assert.Equal("reboot", Encoding.UTF8.GetString(command.Payload));

        // Publish returns after PUBACK: the broker has the message by then.
        Assert.True(session.Publish($"devices/{DeviceId}/telemetry", Encoding.UTF8.GetBytes("t=21.5"), retain: false));
        Assert.Contains(published, m => m.Topic == $"devices/{DeviceId}/telemetry" && Encoding.UTF8.GetString(m.Payload.ToArray<byte>()) == "t=21.5" && m.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True(session.Publish($"devices/{DeviceId}/status", Encoding.UTF8.GetBytes("state=online"), retain: true));
        var retained = await broker.Server.GetRetainedMessageAsync($"devices/{DeviceId}/status");
        Assert.Equal("state=online", Encoding.UTF8.GetString(retained!.Payload.ToArray<byte>()));

        session.Disconnect();
        Assert.False(session.IsConnected);
        Assert.Equal(0, session.TlsSessions.Open);
        Assert.False(session.Publish($"devices/{DeviceId}/telemetry", [1], retain: false));
        // A clean DISCONNECT: the broker must not publish the will.
        await Task.Delay(200);
        Assert.Equal("state=online", Encoding.UTF8.GetString((await broker.Server.GetRetainedMessageAsync($"devices/{DeviceId}/status"))!.Payload.ToArray<byte>()));
    }

    [Fact]
    public async Task ServerCertificateFromAnotherCa_IsServerNotTrusted()
    {
        // Threat: a broker impersonator with a certificate from any other CA (here a full chain of its own).
        await using var broker = await PrimaryBroker(serverPki: _other);
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();

        Assert.Equal(MqttConnectResult.ServerNotTrusted, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        output.WriteLine("other CA: " + session.LastError);
        Assert.Equal(0, session.TlsSessions.Open);
        Assert.False(session.IsConnected);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task ServerCertificateForAnotherName_IsServerNotTrusted(string host)
    {
        // Chains to the pinned root but names another host (no localhost, no 127.0.0.1 SAN).
        await using var broker = await PrimaryBroker(serverCert: _pki.IssueServer(["broker.example.net"], [IPAddress.Parse("10.9.8.7")]));
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();

        Assert.Equal(MqttConnectResult.ServerNotTrusted, session.Connect(Endpoint(broker, host), DeviceCredentials(leaf), Will));
        output.WriteLine($"wrong name ({host}): " + session.LastError);
        Assert.Contains("does not name", session.LastError);
    }

    [Fact]
    public async Task DeviceCertificateUsedAsServerCertificate_IsServerNotTrusted()
    {
        // Threat: a stolen device certificate (same CA, clientAuth only) presented by a fake broker.
        using var deviceAsServer = _pki.IssueDevice("localhost");
        await using var broker = await PrimaryBroker(serverCert: deviceAsServer);
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();

        Assert.Equal(MqttConnectResult.ServerNotTrusted, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        output.WriteLine("clientAuth-only server cert: " + session.LastError);
    }

    [Fact]
    public async Task ExpiredServerCertificate_ByTheDevicesClock_IsServerNotTrusted()
    {
        await using var broker = await PrimaryBroker();
        using var leaf = _pki.IssueDevice(DeviceId);
        var clock = new SystemClock();
        clock.Advance(TimeSpan.FromDays(60)); // the broker certificate is valid for 30 days
        using var session = new MqttNetSession(clock);

        Assert.Equal(MqttConnectResult.ServerNotTrusted, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
    }

    public static TheoryData<string> RejectedClientCertificates => ["expired", "other-ca", "none"];

    [Theory]
    [MemberData(nameof(RejectedClientCertificates))]
    public async Task ClientCertificateRejectedByTheBroker_IsClientCertificateRejected(string which)
    {
        await using var broker = await PrimaryBroker();
        using var expired = _pki.IssueDevice(DeviceId, DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-35));
        using var foreign = _other.IssueDevice(DeviceId);
        MqttCredentials credentials = which switch
        {
            "expired" => DeviceCredentials(expired),
            "other-ca" => DeviceCredentials(foreign, _other),
            _ => MqttCredentials.FromPassword(DeviceId, DeviceId, "not-a-certificate"),
        };
        using var session = new MqttNetSession();

        MqttConnectResult result = session.Connect(Endpoint(broker), credentials, Will);

        output.WriteLine($"client cert {which}: {result}: {session.LastError}");
        output.WriteLine("broker: " + string.Join(" | ", broker.TlsRefusals));
        Assert.Equal(MqttConnectResult.ClientCertificateRejected, result);
        Assert.NotEmpty(broker.TlsRefusals); // it really was the broker that refused
        Assert.Equal(0, session.TlsSessions.Open);
    }

    [Fact]
    public async Task PasswordLogin_OverServerAuthenticatedTls_ConnectsOrIsNotAuthorized()
    {
        await using var broker = await TlsTestBroker.StartAsync(_pki.IssueServer(), _pki.Issuing, clientRoot: null,
            login: e => e.UserName == DeviceId && e.Password == "right-password" ? MqttConnectReasonCode.Success : MqttConnectReasonCode.BadUserNameOrPassword);
        using var session = new MqttNetSession();

        Assert.Equal(MqttConnectResult.NotAuthorized, session.Connect(Endpoint(broker), MqttCredentials.FromPassword(DeviceId, DeviceId, "wrong-password"), Will));
        output.WriteLine("bad password: " + session.LastError);
        Assert.Equal(0, session.TlsSessions.Open);

        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), MqttCredentials.FromPassword(DeviceId, DeviceId, "right-password"), Will));
        Assert.True(broker.Connects.Last() is { UserName: DeviceId, Password: "right-password", ClientCertificate: null });
        Assert.True(session.Publish($"devices/{DeviceId}/renew/request", [1, 2, 3], retain: false));
        session.Disconnect();
    }

    [Fact]
    public async Task ConnackNotAuthorized_IsNotAuthorized()
    {
        await using var broker = await TlsTestBroker.StartAsync(_pki.IssueServer(), _pki.Issuing, _pki.Root, login: _ => MqttConnectReasonCode.NotAuthorized);
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();

        Assert.Equal(MqttConnectResult.NotAuthorized, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        Assert.Equal(0, session.TlsSessions.Open);
    }

    [Fact]
    public void ClosedPortAndUnknownHost_AreNetworkErrors()
    {
        using var session = new MqttNetSession { ConnectTimeout = TimeSpan.FromSeconds(5) };
        using var leaf = _pki.IssueDevice(DeviceId);

        Assert.Equal(MqttConnectResult.NetworkError, session.Connect(new MqttEndpoint("127.0.0.1", TlsTestBroker.ClosedPort(), _pki.RootPemBytes), DeviceCredentials(leaf), Will));
        output.WriteLine("closed port: " + session.LastError);
        Assert.Equal(MqttConnectResult.NetworkError, session.Connect(new MqttEndpoint("no-such-broker.invalid", 8883, _pki.RootPemBytes), DeviceCredentials(leaf), Will));
        output.WriteLine("unknown host: " + session.LastError);
    }

    [Fact]
    public async Task SilentServer_IsNetworkErrorAfterTheTimeout()
    {
        // TCP accepts, nothing ever answers the ClientHello.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession { ConnectTimeout = TimeSpan.FromSeconds(1) };
        var started = DateTime.UtcNow;

        var result = session.Connect(new MqttEndpoint("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, _pki.RootPemBytes), DeviceCredentials(leaf), Will);

        Assert.Equal(MqttConnectResult.NetworkError, result);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.5, 8);
        output.WriteLine("silent server: " + session.LastError);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task BrokerStoppedMidSession_RaisesConnectionLost_AndClosesTheTlsSession()
    {
        var broker = await PrimaryBroker();
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();
        int lost = 0;
        session.ConnectionLost += (_, _) => Interlocked.Increment(ref lost);
        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        Assert.Equal(1, session.TlsSessions.Open);

        await broker.DisposeAsync();

        await WaitFor(() => Volatile.Read(ref lost) == 1, "ConnectionLost");
        Assert.False(session.IsConnected);
        Assert.False(session.Publish($"devices/{DeviceId}/telemetry", [1], retain: false));
        await WaitFor(() => session.TlsSessions.Open == 0, "the TLS session to close");
        session.Disconnect();
        Assert.Equal(1, lost); // Disconnect after the drop does not raise it again
    }

    [Fact]
    public async Task NetworkLossMidSession_RaisesConnectionLost_AndTheBrokerPublishesTheRetainedWill()
    {
        await using var broker = await PrimaryBroker();
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();
        int lost = 0;
        session.ConnectionLost += (_, _) => Interlocked.Increment(ref lost);
        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        Assert.True(session.Publish($"devices/{DeviceId}/status", Encoding.UTF8.GetBytes("state=online"), retain: true));

        broker.DropConnections(); // TCP connections cut, no DISCONNECT on either side

        await WaitFor(() => Volatile.Read(ref lost) == 1, "ConnectionLost");
        MqttApplicationMessage? status = null;
        await WaitFor(() => (status = broker.Server.GetRetainedMessageAsync($"devices/{DeviceId}/status").Result) is { } m
            && Encoding.UTF8.GetString(m.Payload.ToArray<byte>()).Contains("state=offline"), "the retained will");
        Assert.True(status!.Retain);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, status.QualityOfServiceLevel);
        await WaitFor(() => session.TlsSessions.Open == 0, "the TLS session to close");
    }

    [Fact]
    public async Task OwnDisconnect_DoesNotRaiseConnectionLost()
    {
        await using var broker = await PrimaryBroker();
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();
        int lost = 0;
        session.ConnectionLost += (_, _) => Interlocked.Increment(ref lost);
        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));

        session.Disconnect();
        await Task.Delay(300);

        Assert.Equal(0, lost);
    }

    [Fact]
    public async Task SubackFailure_MakesSubscribeReturnFalse()
    {
        await using var broker = await PrimaryBroker();
        broker.Server.InterceptingSubscriptionAsync += e =>
        {
            if (e.TopicFilter.Topic.EndsWith("/forbidden", StringComparison.Ordinal))
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            }
            return Task.CompletedTask;
        };
        using var leaf = _pki.IssueDevice(DeviceId);
        using var session = new MqttNetSession();
        Assert.Equal(MqttConnectResult.Connected, session.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));

        Assert.True(session.Subscribe($"devices/{DeviceId}/commands"));
        Assert.False(session.Subscribe($"devices/{DeviceId}/forbidden"));
    }

    [Fact]
    public async Task OpenSessions_CountsEachTlsSession_AndReconnectReplacesTheOldOne()
    {
        await using var broker = await PrimaryBroker();
        using var leaf = _pki.IssueDevice(DeviceId);
        using var second = _pki.IssueDevice("dev-0002");
        var tls = new TlsSessionCounter(); // one device's count, as its MQTT session and downloader share it
        using var a = new MqttNetSession(null, tls);
        using var b = new MqttNetSession(null, tls);

        Assert.Equal(0, tls.Open);
        Assert.Equal(MqttConnectResult.Connected, a.Connect(Endpoint(broker), DeviceCredentials(leaf), Will));
        Assert.Equal(1, tls.Open);
        Assert.Equal(MqttConnectResult.Connected, b.Connect(Endpoint(broker), MqttCredentials.FromCertificate("dev-0002", _pki.ChainPem(second), TestPki.KeyPem(second)), null!));
        Assert.Equal(2, tls.Open);
        // Connect on a connected session closes the old TLS session first.
        var again = a.Connect(Endpoint(broker), DeviceCredentials(leaf), Will);
        output.WriteLine("reconnect: " + a.LastError);
        Assert.Equal(MqttConnectResult.Connected, again);
        Assert.Equal(2, tls.Open);
        b.Dispose();
        Assert.Equal(1, tls.Open);
        a.Disconnect();
        Assert.Equal(0, tls.Open);
    }
}
