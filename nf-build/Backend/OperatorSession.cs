using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Messaging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>One device's retained status as the operator read it, with the endpoint it came from.</summary>
public sealed record DeviceStatusRecord(string DeviceId, StatusReport Report, string Endpoint, DateTime ReceivedUtc);

/// <summary>
/// The fleet's operator identity on ONE primary endpoint (pki/operator.pem, client id <c>operator</c>, clean session,
/// TLS 1.2, the server chained to the pinned root only and its name checked, as <see cref="ReleaseRollout"/>): publishes
/// OTA commands and reads devices' retained status (<see cref="BrokerRules.Operator"/>: write
/// devices.&lt;id&gt;.commands, read devices.&lt;id&gt;.status). Status subscriptions are exact topics, one per device:
/// RabbitMQ 3.10 delivers retained messages to exact-topic subscriptions only.
/// Threat: the operator reads every device's version, slot, certificate serial and expiry and outcome words (no
/// telemetry, no secrets); it can still point devices at any URL (the release signature decides what is installed).
/// </summary>
public sealed class OperatorSession : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly X509Certificate2 _root, _certificate;
    private readonly ConcurrentDictionary<string, DeviceStatusRecord> _status = new(StringComparer.Ordinal);

    private OperatorSession(IMqttClient client, X509Certificate2 root, X509Certificate2 certificate, string endpoint)
    {
        _client = client;
        _root = root;
        _certificate = certificate;
        Endpoint = endpoint;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            string topic = e.ApplicationMessage.Topic;
            string[] parts = topic.Split('/');
            if (parts.Length == 3 && parts[0] == "devices" && parts[2] == "status" && DeviceIds.IsValid(parts[1]))
            {
                try
                {
                    var report = StatusReport.Parse(e.ApplicationMessage.Payload.ToArray());
                    var record = new DeviceStatusRecord(parts[1], report, Endpoint, DateTime.UtcNow);
                    _status[parts[1]] = record;
                    StatusReceived?.Invoke(record);
                }
                catch (Exception)
                {
                    // Not a status record (a device's bug or an old format): shown as missing, never trusted.
                }
            }
            return Task.CompletedTask;
        };
    }

    public string Endpoint { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Raised on the MQTT client's thread for every status message (retained ones at subscription included).</summary>
    public event Action<DeviceStatusRecord>? StatusReceived;

    /// <summary>The newest status received per device.</summary>
    public IReadOnlyDictionary<string, DeviceStatusRecord> Status => _status;

    public static async Task<OperatorSession> ConnectAsync(FleetDirectory fleet, string endpoint, TimeSpan timeout, CancellationToken cancel = default)
    {
        FleetOperator.Ensure(fleet);
        var (host, port) = ParseEndpoint(endpoint);
        var root = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate);
        using var pem = X509Certificate2.CreateFromPemFile(fleet.OperatorCertificate, fleet.OperatorKey);
        // Linux SslStream hands the key to OpenSSL: an exported/reimported PKCS#12 is what it can use.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(BrokerRules.OperatorUser)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTimeout(timeout)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTlsOptions(t => t.UseTls()
                .WithTargetHost(host)
                .WithSslProtocols(SslProtocols.Tls12)
                .WithClientCertificates([certificate])
                .WithCertificateValidationHandler(e => PinnedServerCertificate.Validate(e.Certificate, e.Chain, e.SslPolicyErrors, root)))
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        var session = new OperatorSession(client, root, certificate, endpoint);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(timeout);
            var connack = await client.ConnectAsync(options, cts.Token).ConfigureAwait(false);
            if (connack.ResultCode != MqttClientConnectResultCode.Success)
                throw new BackendException($"{endpoint}: CONNACK {connack.ResultCode}");
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Subscribes (QoS 1) to devices/&lt;id&gt;/status of every device, in packets of 100 filters; retained status
    /// arrives right after each SUBACK. A refused subscription closes the connection on RabbitMQ: an exception here.</summary>
    public async Task SubscribeStatusAsync(IEnumerable<string> deviceIds, TimeSpan timeout, CancellationToken cancel = default)
    {
        foreach (var chunk in deviceIds.Chunk(100))
        {
            var builder = new MqttClientSubscribeOptionsBuilder();
            foreach (var id in chunk)
                builder.WithTopicFilter(new DeviceTopics(id).Status, MqttQualityOfServiceLevel.AtLeastOnce);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(timeout);
            var result = await _client.SubscribeAsync(builder.Build(), cts.Token).ConfigureAwait(false);
            foreach (var item in result.Items)
                if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                    throw new BackendException($"{Endpoint}: subscription to {item.TopicFilter.Topic} refused ({item.ResultCode})");
        }
    }

    /// <summary>Publishes an OTA command (QoS 1, not retained) to devices/&lt;id&gt;/commands and waits for the PUBACK.</summary>
    public async Task SendOtaCommandAsync(string deviceId, string manifestUrl, TimeSpan timeout, CancellationToken cancel = default)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(new DeviceTopics(deviceId).Commands).WithPayload(IotDevice.Core.Updates.OtaCommand.Build(manifestUrl))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        // RabbitMQ 3.10 answers a refused publish by closing the connection: no PUBACK arrives.
        var result = await _client.PublishAsync(message, cts.Token).ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new BackendException($"{Endpoint}: PUBACK {result.ReasonCode} for the command to {deviceId}");
    }

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new BackendException($"primary endpoint '{endpoint}' is not host:port");
        return (endpoint[..colon].Trim('[', ']'), port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try { await _client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false); }
            catch (Exception) { }
        }
        _client.Dispose();
        _certificate.Dispose();
        _root.Dispose();
    }
}
