using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Protocol;
using NfBuild.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Backend;

/// <summary>The two nodes' TLS, login and permission behaviour, against real RabbitMQ 3.10.8 with MQTTnet 5 over TLS.</summary>
[Collection(BackendCollection.Name)]
public sealed class BrokerSecurityTests(BackendFixture fx, ITestOutputHelper output)
{
    private TestFleet Fleet => fx.Fleet;
    private int PrimaryPort => Fleet.Ports.PrimaryMqtts;
    private int FallbackPort => Fleet.Ports.FallbackMqtts;

    private MqttClientOptions Primary(string id, X509Certificate2? cert, SslProtocols protocol = SslProtocols.Tls12, string? clientId = null, string? user = null, string? pass = null) =>
        MqttTestClient.Options(PrimaryPort, clientId ?? id, Fleet.RootCa, cert, user, pass, protocol);

    private MqttClientOptions Fallback(string id, string password, string? clientId = null) =>
        MqttTestClient.Options(FallbackPort, clientId ?? id, Fleet.RootCa, null, id, password);

    private X509Certificate2 Cert(string id) => Fleet.Devices[id].Certificate();

    [RabbitFact]
    public async Task Device_certificate_login_publishes_telemetry_and_status_and_subscribes_commands()
    {
        using var client = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active1, Cert(TestFleet.Active1)));
        var sub = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("devices/dev-a/commands", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, sub.Items.Single().ResultCode);
        var pub = await MqttTestClient.PublishAsync(client, "devices/dev-a/telemetry", "t=21.5");
        Assert.True(pub.IsSuccess, pub.ReasonCode.ToString());
        pub = await MqttTestClient.PublishAsync(client, "devices/dev-a/status", "iotdevice-status-v1\nstate=online\n", retain: true);
        Assert.True(pub.IsSuccess);
        await client.PingAsync();
        Assert.True(client.IsConnected);
    }

    public static TheoryData<string, string> RefusedCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in new[] { "no-cert", "other-ca", "expired", "revoked" })
            foreach (var p in new[] { "tls12", "tls13" })
                data.Add(c, p);
        return data;
    }

    [RabbitTheory]
    [MemberData(nameof(RefusedCases))]
    public async Task Primary_refuses_bad_client_certificates_in_the_TLS_handshake(string kind, string tls)
    {
        var protocol = tls == "tls12" ? SslProtocols.Tls12 : SslProtocols.Tls13;
        X509Certificate2? cert = kind switch
        {
            "no-cert" => null,
            "other-ca" => Fleet.OtherCaDevice.Certificate(),
            "expired" => Cert(TestFleet.Expired),
            "revoked" => Cert(TestFleet.Revoked),
            _ => throw new ArgumentException(kind),
        };
        string id = kind switch { "expired" => TestFleet.Expired, "revoked" => TestFleet.Revoked, _ => TestFleet.Active1 };
        var failure = await MqttTestClient.ConnectFailureAsync(Primary(id, cert, protocol));
        output.WriteLine($"{kind} over {tls}: {MqttTestClient.Describe(failure)}");
        Assert.NotNull(failure);
        // Never an MQTT-level refusal (CONNACK): the broker stops these clients in TLS, before any MQTT packet.
        Assert.Null(MqttTestClient.ConnackCode(failure));
        Assert.True(HasTlsFailure(failure!, protocol), MqttTestClient.Describe(failure));
        // The server's TLS alert, as OpenSSL reports it on the client (what the firmware can classify on).
        string alert = kind switch
        {
            "no-cert" => tls == "tls12" ? "alert handshake failure" : "alert certificate required",
            "other-ca" => "alert unknown ca",
            "expired" => "alert certificate expired",
            _ => "alert certificate revoked",
        };
        Assert.Contains(alert, Innermost(failure!).Message);
        if (protocol == SslProtocols.Tls12)
            Assert.Contains(Chain(failure!), e => e is AuthenticationException);
        else
            Assert.Contains(Chain(failure!), e => e is IOException);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            yield return e;
    }

    private static Exception Innermost(Exception ex) => Chain(ex).Last();

    /// <summary>TLS 1.2: the client's handshake fails (AuthenticationException). TLS 1.3: the client's handshake has
    /// finished when the server checks the certificate, so the server's alert arrives on the first read.</summary>
    private static bool HasTlsFailure(Exception ex, SslProtocols protocol)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
                return true;
            if (protocol == SslProtocols.Tls13 && e is IOException or System.Net.Sockets.SocketException)
                return true;
        }
        return ex is MQTTnet.Exceptions.MqttCommunicationException && protocol == SslProtocols.Tls13;
    }

    [RabbitFact]
    public async Task Fallback_password_is_refused_on_the_primary()
    {
        var dev = Fleet.Devices[TestFleet.Active1];
        // Without a certificate TLS refuses it.
        var noCert = await MqttTestClient.ConnectFailureAsync(Primary(dev.Id, null, user: dev.Id, pass: dev.FallbackPassword));
        output.WriteLine("password, no cert: " + MqttTestClient.Describe(noCert));
        Assert.True(noCert is not null && HasTlsFailure(noCert, SslProtocols.Tls12));
        // With a valid certificate, a username/password takes priority over the certificate (3.10) and the primary user has no password.
        var withCert = await MqttTestClient.ConnectFailureAsync(Primary(dev.Id, Cert(dev.Id), user: dev.Id, pass: dev.FallbackPassword));
        output.WriteLine("password + cert: " + MqttTestClient.Describe(withCert));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, MqttTestClient.ConnackCode(withCert));
    }

    public static TheoryData<string, string, string> CrossDeviceCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var node in new[] { "primary", "fallback" })
        {
            data.Add(node, "publish", "devices/dev-b/renew/request");
            data.Add(node, "publish", "devices/dev-b/status");
            data.Add(node, "subscribe", "devices/dev-b/renew/response");
            data.Add(node, "subscribe", "devices/+/renew/response");
            data.Add(node, "subscribe", "devices/#");
            data.Add(node, "subscribe", "#");
        }
        data.Add("primary", "publish", "devices/dev-b/telemetry");
        data.Add("primary", "subscribe", "devices/dev-b/commands");
        data.Add("primary", "subscribe", "devices/+/telemetry");
        // Own topics the fallback does not serve.
        data.Add("fallback", "publish", "devices/dev-a/telemetry");
        data.Add("fallback", "subscribe", "devices/dev-a/commands");
        return data;
    }

    [RabbitTheory]
    [MemberData(nameof(CrossDeviceCases))]
    public async Task Device_cannot_reach_other_devices_topics_and_is_disconnected(string node, string op, string topic)
    {
        var dev = Fleet.Devices[TestFleet.Active1];
        using var client = await MqttTestClient.ConnectAsync(node == "primary" ? Primary(dev.Id, Cert(dev.Id)) : Fallback(dev.Id, dev.FallbackPassword));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        string outcome;
        try
        {
            if (op == "publish")
            {
                var r = await MqttTestClient.PublishAsync(client, topic, "x");
                outcome = "PUBACK " + r.ReasonCode;
            }
            else
            {
                var r = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
                outcome = "SUBACK " + r.Items.Single().ResultCode;
            }
        }
        catch (Exception ex)
        {
            outcome = MqttTestClient.Describe(ex);
        }
        var done = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        output.WriteLine($"{node} {op} {topic}: {outcome}; connection closed by broker: {done == closed.Task}");
        Assert.True(done == closed.Task, $"{op} {topic} on {node} was not refused ({outcome})");
        Assert.False(outcome.StartsWith("SUBACK GrantedQoS", StringComparison.Ordinal), outcome);
    }

    [RabbitFact]
    public async Task Fallback_login_works_with_the_password_for_renewal_topics_only()
    {
        var dev = Fleet.Devices[TestFleet.Active2];
        using var client = await MqttTestClient.ConnectAsync(Fallback(dev.Id, dev.FallbackPassword));
        var sub = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"devices/{dev.Id}/renew/response", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, sub.Items.Single().ResultCode);
        Assert.True((await MqttTestClient.PublishAsync(client, $"devices/{dev.Id}/renew/request", "iotdevice-renewal-request-v1\n")).IsSuccess);
        Assert.True((await MqttTestClient.PublishAsync(client, $"devices/{dev.Id}/status", "iotdevice-status-v1\n")).IsSuccess);

        var wrong = await MqttTestClient.ConnectFailureAsync(Fallback(dev.Id, dev.FallbackPassword + "x"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, MqttTestClient.ConnackCode(wrong));
        // The renewal service's user has no password: it cannot be used over MQTT.
        var service = await MqttTestClient.ConnectFailureAsync(Fallback(RabbitMqConfigWriter.RenewalServiceUser, ""));
        output.WriteLine("renewal-service over MQTT: " + MqttTestClient.Describe(service));
        Assert.NotNull(service);
        // A device certificate alone does not log in on the fallback (mqtt.ssl_cert_login = false).
        var certOnly = await MqttTestClient.ConnectFailureAsync(MqttTestClient.Options(FallbackPort, dev.Id, Fleet.RootCa, Cert(dev.Id)));
        output.WriteLine("cert only on fallback: " + MqttTestClient.Describe(certOnly));
        Assert.NotNull(certOnly);
    }

    [RabbitFact]
    public async Task Username_comes_from_the_certificate_not_the_client_id()
    {
        // Certificate dev-a with client id dev-b: {username} is dev-a, so dev-b's topics stay closed.
        using var client = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active1, Cert(TestFleet.Active1), clientId: "dev-b"));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        try { await MqttTestClient.PublishAsync(client, "devices/dev-b/telemetry", "spoof"); } catch (Exception) { }
        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(10_000)));
    }

    [RabbitFact]
    public async Task Known_weakness_a_valid_certificate_with_another_devices_client_id_takes_over_its_session()
    {
        // Documented in README (3.10 cannot bind the client id to the certificate): dev-b's session is kicked.
        using var victim = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active2, Cert(TestFleet.Active2)));
        var kicked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        victim.DisconnectedAsync += _ => { kicked.TrySetResult(); return Task.CompletedTask; };
        using var attacker = await MqttTestClient.ConnectAsync(Primary(TestFleet.Active1, Cert(TestFleet.Active1), clientId: TestFleet.Active2));
        Assert.Same(kicked.Task, await Task.WhenAny(kicked.Task, Task.Delay(10_000)));
    }
}
