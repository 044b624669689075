using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NfBuild.Backend;
using NfBuild.Fleet;

namespace NfBuild.Demo;

/// <summary>A message the observer received.</summary>
public sealed record ObservedMessage(string Topic, string Payload, bool Retained);

/// <summary>
/// The backend's view of the device: an MQTT client on the primary with its own certificate from the fleet PKI
/// (CN <see cref="Name"/>), a certificate-login user that may read telemetry and status of the fleet's devices and
/// nothing else (<see cref="Rights"/>: no publish, its own subscription queues only).
/// <para>Threat: whoever holds this identity reads every device's telemetry and status; it cannot send commands or
/// renewal answers. Its key lives in this process only (the demo never writes it to disk).</para>
/// </summary>
public sealed class DemoObserver : IAsyncDisposable
{
    public const string Name = "demo-observer";

    private readonly ConcurrentQueue<ObservedMessage> _received = new();
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2 _root;
    private IMqttClient? _client;

    private DemoObserver(X509Certificate2 certificate, X509Certificate2 root)
    {
        _certificate = certificate;
        _root = root;
    }

    /// <summary>Read telemetry and status of any device id; write nothing; its own MQTT subscription queues.</summary>
    public static BrokerRights Rights { get; } = new(TopicRule.Nothing, new TopicRule(TopicScope.AnyDevice, ["telemetry", "status"]), BrokerRules.MqttSubscriptionQueues(Name));

    public static BrokerUser User => new(Name, "", Rights);

    public IReadOnlyList<ObservedMessage> Received => _received.ToList();

    public IReadOnlyList<ObservedMessage> On(string topic) => _received.Where(m => m.Topic == topic).ToList();

    /// <summary>Issues the observer's certificate (fleet issuing CA, one day).</summary>
    public static DemoObserver Create(FleetDirectory fleet)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var pki = FleetPki.Open(fleet);
        using var issued = pki.IssueDeviceCertificate(Name, key, DateTimeOffset.UtcNow.AddDays(1));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Linux SslStream hands the key to OpenSSL: an exported/reimported PKCS#12 is what it can use.
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new DemoObserver(certificate, X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate));
    }

    public async Task ConnectAsync(string host, int port, params string[] topics)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(Name)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(t => t.UseTls()
                .WithTargetHost(host)
                .WithSslProtocols(SslProtocols.Tls12)
                .WithClientCertificates([_certificate])
                .WithCertificateValidationHandler(e => PinnedServerCertificate.Validate(e.Certificate, e.Chain, e.SslPolicyErrors, _root)))
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Enqueue(new ObservedMessage(e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var connack = await client.ConnectAsync(options, cts.Token);
        if (connack.ResultCode != MqttClientConnectResultCode.Success)
            throw new DemoStepException($"observer: CONNACK {connack.ResultCode}");
        foreach (string topic in topics)
        {
            var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
            if (result.Items.Any(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1)))
                throw new DemoStepException($"observer: subscription to {topic} refused");
        }
        _client = client;
    }
    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                if (_client.IsConnected)
                    await _client.DisconnectAsync();
            }
            catch (Exception)
            {
            }
            _client.Dispose();
        }
        _certificate.Dispose();
        _root.Dispose();
    }
}
