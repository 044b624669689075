using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using NfBuild.Backend;
using NfBuild.Tests.Backend;

namespace NfBuild.Tests.EmbeddedBackend;

/// <summary>
/// One device or attacker scenario, run as a real MQTTnet client over TLS against whichever broker listens on the port:
/// who connects (certificate, username/password, client id) to which node, and what it then tries. <see cref="Cert"/> is
/// a device id of <see cref="TestFleet"/>, "other-ca" or "renewal-service"; a password "pw:&lt;id&gt;" is that device's
/// fallback password.
/// </summary>
public sealed record Scenario(string Name, BrokerRole Node, string? Cert, string ClientId, string Op, string? Topic = null,
    string? User = null, string? Password = null, SslProtocols Tls = SslProtocols.Tls12, string? Victim = null)
{
    public const string Connect = "connect", Publish = "publish", Subscribe = "subscribe", Takeover = "takeover";
}

/// <summary>The outcome a client sees (compared) and the detail behind it (printed only: TLS alert texts differ).</summary>
public sealed record Outcome(string Result, string Detail);

public static class BrokerScenarios
{
    private const string A = TestFleet.Active1, B = TestFleet.Active2;
    private static readonly BrokerRole P = BrokerRole.Primary, F = BrokerRole.Fallback;

    /// <summary>The scenario list, once, for both brokers.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        // Primary, certificate login: own topics.
        new("own telemetry", P, A, A, Scenario.Publish, "devices/dev-a/telemetry"),
        new("own status", P, A, A, Scenario.Publish, "devices/dev-a/status"),
        new("own renew request", P, A, A, Scenario.Publish, "devices/dev-a/renew/request"),
        new("own commands", P, A, A, Scenario.Subscribe, "devices/dev-a/commands"),
        new("own renew response", P, A, A, Scenario.Subscribe, "devices/dev-a/renew/response"),
        new("own commands, QoS 0", P, A, A, Scenario.Subscribe, "devices/dev-a/commands|0"),
        new("publish own commands", P, A, A, Scenario.Publish, "devices/dev-a/commands"),
        new("subscribe own telemetry", P, A, A, Scenario.Subscribe, "devices/dev-a/telemetry"),
        // Another device's topics and wildcards.
        new("other telemetry", P, A, A, Scenario.Publish, "devices/dev-b/telemetry"),
        new("other status", P, A, A, Scenario.Publish, "devices/dev-b/status"),
        new("other renew request", P, A, A, Scenario.Publish, "devices/dev-b/renew/request"),
        new("other commands", P, A, A, Scenario.Subscribe, "devices/dev-b/commands"),
        new("other renew response", P, A, A, Scenario.Subscribe, "devices/dev-b/renew/response"),
        new("devices/+/telemetry", P, A, A, Scenario.Subscribe, "devices/+/telemetry"),
        new("devices/+/commands", P, A, A, Scenario.Subscribe, "devices/+/commands"),
        new("devices/#", P, A, A, Scenario.Subscribe, "devices/#"),
        new("#", P, A, A, Scenario.Subscribe, "#"),
        new("+/+/+", P, A, A, Scenario.Subscribe, "+/+/+"),
        new("devices/dev-a/#", P, A, A, Scenario.Subscribe, "devices/dev-a/#"),
        // Dots in MQTT topics: RabbitMQ turns / into . and keeps a . as is.
        new("dotted id", P, A, A, Scenario.Publish, "devices/dev-a.x/telemetry"),
        new("dotted suffix", P, A, A, Scenario.Publish, "devices/dev-a/telemetry.x"),
        new("dotted whole key", P, A, A, Scenario.Publish, "devices.dev-a.telemetry"),
        new("dotted half key", P, A, A, Scenario.Publish, "devices/dev-a.telemetry"),
        new("dotted other device", P, A, A, Scenario.Publish, "devices.dev-b.telemetry"),
        new("dotted subscribe own", P, A, A, Scenario.Subscribe, "devices.dev-a.commands"),
        new("dotted subscribe other", P, A, A, Scenario.Subscribe, "devices.dev-b.commands"),
        // Client id vs certificate.
        new("cert a, client id b, own telemetry", P, A, B, Scenario.Publish, "devices/dev-a/telemetry"),
        new("cert a, client id b, b telemetry", P, A, B, Scenario.Publish, "devices/dev-b/telemetry"),
        new("cert a, client id b, own commands", P, A, B, Scenario.Subscribe, "devices/dev-a/commands"),
        new("cert a, client id b kicks b", P, A, B, Scenario.Takeover, Victim: B),
        new("same client id again kicks the first", P, A, A, Scenario.Takeover, Victim: A),
        // Bad certificates and passwords on the primary.
        new("no certificate", P, null, A, Scenario.Connect),
        new("no certificate, TLS 1.3", P, null, A, Scenario.Connect, Tls: SslProtocols.Tls13),
        new("expired certificate", P, TestFleet.Expired, TestFleet.Expired, Scenario.Connect),
        new("expired certificate, TLS 1.3", P, TestFleet.Expired, TestFleet.Expired, Scenario.Connect, Tls: SslProtocols.Tls13),
        new("other CA, CN dev-a", P, "other-ca", A, Scenario.Connect),
        new("revoked on the CRL", P, TestFleet.Revoked, TestFleet.Revoked, Scenario.Connect),
        new("revoked in the registry (no user)", P, TestFleet.RevokedInRegistry, TestFleet.RevokedInRegistry, Scenario.Connect),
        new("fallback password, no certificate", P, null, A, Scenario.Connect, User: A, Password: "pw:" + A),
        new("fallback password + certificate", P, A, A, Scenario.Connect, User: A, Password: "pw:" + A),
        new("username only + certificate", P, A, A, Scenario.Connect, User: A),
        new("renewal-service cert over MQTT: response", P, "renewal-service", "renewal-service", Scenario.Publish, "devices/dev-a/renew/response"),
        new("renewal-service cert over MQTT: requests", P, "renewal-service", "renewal-service", Scenario.Subscribe, "devices/+/renew/request"),
        new("renewal-service cert over MQTT: telemetry", P, "renewal-service", "renewal-service", Scenario.Publish, "devices/dev-a/telemetry"),
        // The operator (`release rollout`, `fleet status`): publishes any device's commands and reads any device's status on
        // the primary (exact topics), reads and publishes nothing else.
        new("operator: subscribe status", P, "operator", "operator", Scenario.Subscribe, "devices/dev-a/status"),
        new("operator: subscribe other device status", P, "operator", "operator", Scenario.Subscribe, "devices/dev-b/status"),
        new("operator: subscribe devices/+/status", P, "operator", "operator", Scenario.Subscribe, "devices/+/status"),
        new("operator: subscribe renew requests", P, "operator", "operator", Scenario.Subscribe, "devices/dev-a/renew/request"),
        new("operator: publish status", P, "operator", "operator", Scenario.Publish, "devices/dev-a/status"),
        new("operator: device commands", P, "operator", "operator", Scenario.Publish, "devices/dev-a/commands"),
        new("operator: other device commands", P, "operator", "operator", Scenario.Publish, "devices/dev-b/commands"),
        new("operator: subscribe telemetry", P, "operator", "operator", Scenario.Subscribe, "devices/dev-a/telemetry"),
        new("operator: subscribe commands", P, "operator", "operator", Scenario.Subscribe, "devices/dev-a/commands"),
        new("operator: publish telemetry", P, "operator", "operator", Scenario.Publish, "devices/dev-a/telemetry"),
        new("operator: publish renew response", P, "operator", "operator", Scenario.Publish, "devices/dev-a/renew/response"),
        new("operator: wildcard commands", P, "operator", "operator", Scenario.Publish, "devices/+/commands"),
        new("operator cert on the fallback", F, "operator", "operator", Scenario.Connect),
        // Fallback, password login.
        new("fb own status", F, null, A, Scenario.Publish, "devices/dev-a/status", A, "pw:" + A),
        new("fb own renew request", F, null, A, Scenario.Publish, "devices/dev-a/renew/request", A, "pw:" + A),
        new("fb own renew response", F, null, A, Scenario.Subscribe, "devices/dev-a/renew/response", A, "pw:" + A),
        new("fb credentials: own telemetry", F, null, A, Scenario.Publish, "devices/dev-a/telemetry", A, "pw:" + A),
        new("fb credentials: own commands", F, null, A, Scenario.Subscribe, "devices/dev-a/commands", A, "pw:" + A),
        new("fb other renew request", F, null, A, Scenario.Publish, "devices/dev-b/renew/request", A, "pw:" + A),
        new("fb other renew response", F, null, A, Scenario.Subscribe, "devices/dev-b/renew/response", A, "pw:" + A),
        new("fb devices/+/renew/response", F, null, A, Scenario.Subscribe, "devices/+/renew/response", A, "pw:" + A),
        new("fb #", F, null, A, Scenario.Subscribe, "#", A, "pw:" + A),
        new("fb dotted whole key", F, null, A, Scenario.Publish, "devices.dev-a.status", A, "pw:" + A),
        new("fb certificate, no password", F, A, A, Scenario.Connect),
        new("fb no certificate, no password", F, null, A, Scenario.Connect),
        new("fb wrong password", F, null, A, Scenario.Connect, User: A, Password: "wrong"),
        new("fb password of another device", F, null, B, Scenario.Connect, User: B, Password: "pw:" + A),
        new("fb renewal-service, empty password", F, null, "renewal-service", Scenario.Connect, User: "renewal-service", Password: ""),
        new("fb revoked in the registry", F, null, TestFleet.RevokedInRegistry, Scenario.Connect, User: TestFleet.RevokedInRegistry, Password: "pw:" + TestFleet.RevokedInRegistry),
        new("fb password + expired certificate", F, TestFleet.Expired, TestFleet.Expired, Scenario.Connect, User: TestFleet.Expired, Password: "pw:" + TestFleet.Expired),
        new("fb password + other-CA certificate", F, "other-ca", A, Scenario.Connect, User: A, Password: "pw:" + A),
        new("fb password + revoked certificate", F, TestFleet.Revoked, TestFleet.Revoked, Scenario.Connect, User: TestFleet.Revoked, Password: "pw:" + TestFleet.Revoked),
        new("fb vhost:user of this node", F, null, A, Scenario.Publish, "devices/dev-a/status", "fallback:" + A, "pw:" + A),
        new("fb vhost:user of another vhost", F, null, A, Scenario.Connect, User: "iot:" + A, Password: "pw:" + A),
    ];

    public static async Task<Outcome> RunAsync(Scenario s, int port, TestFleet fleet)
    {
        X509Certificate2? cert = s.Cert switch
        {
            null => null,
            "other-ca" => fleet.OtherCaDevice.Certificate(),
            "renewal-service" => fleet.RenewalService.Certificate(),
            "operator" => fleet.Operator.Certificate(),
            var id => fleet.Devices[id].Certificate(),
        };
        string? password = s.Password is { } p && p.StartsWith("pw:", StringComparison.Ordinal) ? fleet.Devices[p[3..]].FallbackPassword : s.Password;
        IMqttClient? victim = null;
        var kicked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (s.Op == Scenario.Takeover)
        {
            try
            {
                victim = await MqttTestClient.ConnectAsync(MqttTestClient.Options(port, s.Victim!, fleet.RootCa, fleet.Devices[s.Victim!].Certificate()));
            }
            catch (Exception ex)
            {
                var r = Refused(ex);
                return r with { Result = "first session: " + r.Result };
            }
            victim.DisconnectedAsync += _ => { kicked.TrySetResult(); return Task.CompletedTask; };
        }
        using var _v = victim;
        var options = MqttTestClient.Options(port, s.ClientId, fleet.RootCa, cert, s.User, password, s.Tls);
        IMqttClient client;
        try
        {
            client = await MqttTestClient.ConnectAsync(options);
        }
        catch (Exception ex)
        {
            return Refused(ex);
        }
        using (client)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { closed.TrySetResult(); return Task.CompletedTask; };
            string ack = "";
            try
            {
                switch (s.Op)
                {
                    case Scenario.Publish:
                        var r = await MqttTestClient.PublishAsync(client, s.Topic!, "x");
                        ack = "PUBACK " + r.ReasonCode + ", ";
                        break;
                    case Scenario.Subscribe:
                        var parts = s.Topic!.Split('|');
                        var qos = parts.Length > 1 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
                        var sub = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(parts[0], qos).Build());
                        ack = "SUBACK " + sub.Items.Single().ResultCode + ", ";
                        break;
                    case Scenario.Connect:
                        await Task.Delay(300); // TLS 1.3: a refused certificate's alert arrives after the client's handshake
                        await client.PingAsync();
                        break;
                }
            }
            catch (Exception ex) when (s.Op == Scenario.Connect)
            {
                return Refused(ex);
            }
            catch (Exception)
            {
                ack = "no ack, ";
            }
            if (s.Op == Scenario.Takeover)
            {
                bool wasKicked = await Task.WhenAny(kicked.Task, Task.Delay(5000)) == kicked.Task;
                return new Outcome(wasKicked ? "connected, first session kicked" : "connected, first session kept", "");
            }
            bool isClosed = await Task.WhenAny(closed.Task, Task.Delay(2000)) == closed.Task;
            return new Outcome(ack + (isClosed ? "connection closed" : "connected"), "");
        }
    }

    private static Outcome Refused(Exception ex)
    {
        if (MqttTestClient.ConnackCode(ex) is { } code)
            return new Outcome("CONNACK " + code, "");
        var chain = new List<Exception>();
        for (var e = ex; e is not null; e = e.InnerException)
            chain.Add(e);
        // RabbitMQ (Erlang ssl) refuses a client certificate inside the handshake with an alert; .NET's SslStream server
        // (the embedded broker) checks it after its side of the handshake and closes the session before any MQTT byte,
        // which MQTTnet reports as "Connection closed" while it waits for CONNACK. Both are a refusal before MQTT; the
        // detail says which, and the equivalence test checks the embedded side's TLS refusal log.
        bool alert = chain.Any(e => e is AuthenticationException or IOException or System.Net.Sockets.SocketException);
        bool closedBeforeConnack = chain.Any(e => e is MQTTnet.Adapter.MqttConnectingFailedException) && chain[^1].Message.Contains("Connection closed", StringComparison.Ordinal);
        return new Outcome(alert || closedBeforeConnack ? "refused before MQTT (TLS)" : "failed: " + ex.GetType().Name,
            (alert ? "handshake: " : closedBeforeConnack ? "closed after handshake: " : "") + chain[^1].Message);
    }
}
