using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace NfBuild.Backend;

/// <summary>Answers one renewal request. deviceId comes from the routing key only (never from the payload); return
/// null to send no answer.</summary>
public interface IRenewalHandler
{
    byte[]? Handle(string vhost, string deviceId, byte[] payload);
}

/// <summary>Placeholder until the renewal authority is wired in: refuses every request with reason not-configured.</summary>
public sealed class NotConfiguredRenewalHandler : IRenewalHandler
{
    public byte[]? Handle(string vhost, string deviceId, byte[] payload)
    {
        string request = "";
        foreach (var line in Encoding.UTF8.GetString(payload).Split('\n'))
        {
            if (line.StartsWith("request=", StringComparison.Ordinal))
                request = line["request=".Length..].Trim();
        }
        // Echo the request id only if it has the protocol's shape, so the answer cannot carry injected lines.
        if (request.Length != 32 || !request.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            request = "";
        return Encoding.UTF8.GetBytes($"iotdevice-renewal-response-v1\nrequest={request}\ndevice={deviceId}\nstatus=refused\nreason=not-configured\n");
    }
}

/// <summary>Where the lead wires the real renewal authority; defaults to <see cref="NotConfiguredRenewalHandler"/>.</summary>
public static class RenewalHandlerFactory
{
    public static Func<FleetLayout, IRenewalHandler> Create { get; set; } = _ => new NotConfiguredRenewalHandler();
    public static bool IsPlaceholder(IRenewalHandler handler) => handler is NotConfiguredRenewalHandler;
}

public sealed record RenewalEndpoint(string Name, string Host, int Port, string Vhost);

/// <summary>
/// The renewal service's AMQPS transport to one broker node: TLS with the server certificate chained to the pinned
/// fleet root and matched to the host name, EXTERNAL login with pki/renewal-service.pem (user renewal-service, no
/// password), a durable queue bound to amq.topic with devices.*.renew.request, manual acks, answers published
/// persistent to devices.&lt;id&gt;.renew.response with publisher confirms (the request is acked only after the answer is confirmed).
/// </summary>
public sealed class RenewalServiceHost : IAsyncDisposable
{
    private readonly RenewalEndpoint _endpoint;
    private readonly IRenewalHandler _handler;
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _client;
    private readonly Action<string> _log;
    private IConnection? _connection;
    private IChannel? _channel;

    public RenewalServiceHost(FleetLayout fleet, RenewalEndpoint endpoint, IRenewalHandler handler, Action<string>? log = null)
    {
        _endpoint = endpoint;
        _handler = handler;
        _log = log ?? (_ => { });
        if (!File.Exists(fleet.RootCa))
            throw new BackendException($"pinned root CA {fleet.RootCa} does not exist");
        if (!File.Exists(fleet.RenewalServiceCert) || !File.Exists(fleet.RenewalServiceKey))
            throw new BackendException($"renewal service certificate {fleet.RenewalServiceCert} / key {fleet.RenewalServiceKey} missing");
        _root = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCa);
        var withKey = X509Certificate2.CreateFromPemFile(fleet.RenewalServiceCert, fleet.RenewalServiceKey);
        // Linux SslStream needs a key it can hand to OpenSSL: an exported/reimported PKCS#12 is the portable form.
        _client = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public int Handled { get; private set; }

    public async Task StartAsync(CancellationToken cancel = default)
    {
        var factory = new ConnectionFactory
        {
            HostName = _endpoint.Host,
            Port = _endpoint.Port,
            VirtualHost = _endpoint.Vhost,
            // Certificate login only: no password exists for this user.
            AuthMechanisms = [new ExternalMechanismFactory()],
            ClientProvidedName = "renewal-service",
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            Ssl = new SslOption
            {
                Enabled = true,
                ServerName = _endpoint.Host,
                Version = SslProtocols.Tls12 | SslProtocols.Tls13,
                Certs = new X509CertificateCollection { _client },
                // Threat: a rogue broker (DNS/ARP spoof) would receive the devices' CSRs and could answer them: the server
                // must chain to the fleet's own root (system roots ignored) and carry the host name.
                CertificateValidationCallback = (_, cert, chain, errors) => ValidateServer(cert, chain, errors, _root),
            },
        };
        try
        {
            _connection = await factory.CreateConnectionAsync("renewal-service", cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or AuthenticationException or IOException)
        {
            throw new BackendException($"renewal service cannot connect to {_endpoint.Name} amqps://{_endpoint.Host}:{_endpoint.Port}/{_endpoint.Vhost}: {Innermost(ex)}", ex);
        }
        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancel).ConfigureAwait(false);
        await _channel.QueueDeclareAsync(RabbitMqConfigWriter.RenewalQueue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancel).ConfigureAwait(false);
        await _channel.QueueBindAsync(RabbitMqConfigWriter.RenewalQueue, "amq.topic", RabbitMqConfigWriter.RequestBindingKey, cancellationToken: cancel).ConfigureAwait(false);
        await _channel.BasicQosAsync(0, 16, false, cancel).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += OnRequestAsync;
        await _channel.BasicConsumeAsync(RabbitMqConfigWriter.RenewalQueue, autoAck: false, consumer, cancel).ConfigureAwait(false);
        _log($"{_endpoint.Name}: consuming {RabbitMqConfigWriter.RenewalQueue} (amqps://{_endpoint.Host}:{_endpoint.Port}/{_endpoint.Vhost}, EXTERNAL as renewal-service)");
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
            ex = ex.InnerException;
        return ex.Message;
    }

    public static bool ValidateServer(X509Certificate? certificate, X509Chain? presented, System.Net.Security.SslPolicyErrors errors, X509Certificate2 pinnedRoot)
    {
        if (certificate is null || (errors & (System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch | System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pinnedRoot);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>devices.&lt;id&gt;.renew.request → id, or null.</summary>
    public static string? DeviceIdFromRoutingKey(string routingKey)
    {
        var parts = routingKey.Split('.');
        if (parts.Length != 4 || parts[0] != "devices" || parts[2] != "renew" || parts[3] != "request")
            return null;
        return DeviceRegistry.IsValidDeviceId(parts[1]) ? parts[1] : null;
    }

    private async Task OnRequestAsync(object sender, BasicDeliverEventArgs ea)
    {
        var channel = _channel!;
        // Threat: the payload's device= line is attacker-chosen; the routing key is what the broker's topic
        // permission ({username}) let this device publish to, so it is the only identity used.
        string? deviceId = DeviceIdFromRoutingKey(ea.RoutingKey);
        if (deviceId is null)
        {
            _log($"{_endpoint.Name}: dropped a message with routing key '{ea.RoutingKey}'");
            await channel.BasicAckAsync(ea.DeliveryTag, false).ConfigureAwait(false);
            return;
        }
        byte[]? answer;
        try
        {
            answer = _handler.Handle(_endpoint.Vhost, deviceId, ea.Body.ToArray());
        }
        catch (Exception ex)
        {
            // Not requeued: a request that crashes the handler would otherwise loop forever. The device retries.
            _log($"{_endpoint.Name}: handler failed for {deviceId}: {ex.Message}");
            await channel.BasicNackAsync(ea.DeliveryTag, false, requeue: false).ConfigureAwait(false);
            return;
        }
        if (answer is not null)
        {
            var props = new BasicProperties { Persistent = true, ContentType = "text/plain" };
            await channel.BasicPublishAsync("amq.topic", $"devices.{deviceId}.renew.response", mandatory: false, props, answer).ConfigureAwait(false);
        }
        await channel.BasicAckAsync(ea.DeliveryTag, false).ConfigureAwait(false);
        Handled++;
        _log($"{_endpoint.Name}: {deviceId}: {(answer is null ? "no answer" : "answered")}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            try { await _channel.CloseAsync().ConfigureAwait(false); } catch (Exception) { }
            _channel.Dispose();
        }
        if (_connection is not null)
        {
            try { await _connection.CloseAsync().ConfigureAwait(false); } catch (Exception) { }
            _connection.Dispose();
        }
        _client.Dispose();
        _root.Dispose();
    }
}
