using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NfBuild.Fleet;
using NfBuild.Tests.Backend;

namespace NfBuild.Tests.EndToEnd;

/// <summary>A message the observer received, with the moment it arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
public sealed record Observed(string Topic, string Payload, bool Retained, long Timestamp);

/// <summary>
/// The backend's view of the devices: an MQTT client on the primary with its own certificate (CN observer-&lt;n&gt;,
/// issued by the fleet's PKI), a PERSISTENT session (clean session off, QoS 1), so what the devices publish is
/// queued for it from the moment it subscribed, even while it is disconnected.
/// </summary>
public sealed class Observer : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2 _root;
    private readonly ConcurrentQueue<Observed> _received = new();
    private IMqttClient? _client;

    private Observer(string host, int port, string name, X509Certificate2 certificate, X509Certificate2 root)
    {
        _host = host;
        _port = port;
        Name = name;
        _certificate = certificate;
        _root = root;
    }

    public string Name { get; }

    public IReadOnlyList<Observed> Received => _received.ToList();

    internal static Observer Create(EndToEndFixture fx, string name) => Create(fx.Fleet, name, EndToEndFixture.Host, fx.Ports.PrimaryMqtts);

    /// <summary>An observer of <paramref name="fleet"/> connecting to <paramref name="host"/>:<paramref name="port"/> (its broker
    /// user must exist: a certificate-login user named <paramref name="name"/>).</summary>
    internal static Observer Create(FleetDirectory fleet, string name, string host, int port)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var pki = FleetPki.Open(fleet);
        using var issued = pki.IssueDeviceCertificate(name, key, DateTimeOffset.UtcNow.AddDays(1));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Linux SslStream needs a key it can hand to OpenSSL: an exported/reimported PKCS#12.
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        var root = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate);
        return new Observer(host, port, name, certificate, root);
    }

    private MqttClientOptions Options() => new MqttClientOptionsBuilder()
        .WithTcpServer(_host, _port)
        .WithClientId(Name)
        .WithProtocolVersion(MqttProtocolVersion.V311)
        .WithCleanSession(false)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .WithTlsOptions(t => t.UseTls()
            .WithTargetHost(_host)
            .WithSslProtocols(SslProtocols.Tls12)
            .WithClientCertificates([_certificate])
            .WithCertificateValidationHandler(e => MqttTestClient.ValidateServer(e.Certificate, e.Chain, e.SslPolicyErrors, _root)))
        .Build();

    /// <summary>Connects (the broker keeps the session's subscriptions and queued messages between connections).</summary>
    public async Task ConnectAsync()
    {
        _client?.Dispose();
        _client = null;
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Enqueue(new Observed(e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain, Stopwatch.GetTimestamp()));
            return Task.CompletedTask;
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var result = await client.ConnectAsync(Options(), cts.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"observer {Name}: CONNACK {result.ResultCode}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
        _client = client;
    }

    public async Task SubscribeAsync(string topic)
    {
        var client = _client ?? throw new InvalidOperationException("not connected");
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        if (result.Items.Any(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1)))
            throw new InvalidOperationException($"observer {Name}: subscription to {topic} refused");
    }

    /// <summary>Connects with a persistent session and subscribes, all before the device under observation starts.</summary>
    public static async Task<Observer> StartAsync(EndToEndFixture fx, params string[] topics)
    {
        var observer = await fx.NewObserverAsync();
        await observer.ConnectAsync();
        foreach (var topic in topics)
            await observer.SubscribeAsync(topic);
        return observer;
    }

    /// <summary>QoS 1 publish (not retained); false when the broker did not acknowledge it.</summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload)
    {
        var client = _client ?? throw new InvalidOperationException("not connected");
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.IsSuccess;
    }

    public IReadOnlyList<Observed> On(string topic) => _received.Where(m => m.Topic == topic).ToList();

    /// <summary>Waits until <paramref name="done"/> holds for what was received; false on timeout.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyList<Observed>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (done(Received))
                return true;
            await Task.Delay(20);
        }
        return done(Received);
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
