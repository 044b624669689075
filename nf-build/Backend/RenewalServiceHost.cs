using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RabbitMQ.Client;
using NfBuild.Fleet;
using RabbitMQ.Client.Events;

namespace NfBuild.Backend;

/// <summary>
/// The renewal authority behind the transport. <c>kind</c> is <see cref="RenewalMessageKinds.Request"/> (a device's
/// devices.&lt;id&gt;.renew.request, both nodes) or <see cref="RenewalMessageKinds.Status"/> (its devices.&lt;id&gt;.status
/// on the primary: the commit feed). deviceId and kind come from the routing key only (never from the payload). The
/// return value is the answer to publish on devices.&lt;id&gt;.renew.response (requests only; null = no answer; ignored
/// for status).
/// </summary>
public interface IRenewalHandler
{
    byte[]? Handle(string vhost, string deviceId, string kind, byte[] payload);
}

public static class RenewalMessageKinds
{
    public const string Request = "request";
    public const string Status = "status";
}

/// <summary>One node's AMQPS endpoint. On the primary the service also consumes the status feed.</summary>
public sealed record RenewalEndpoint(BrokerRole Role, string Host, int Port, string Vhost)
{
    public string Name => Role.DirectoryName();

    /// <summary>AMQPS ports of the other nodes of a primary cluster (same host): the connection (and its automatic
    /// recovery) tries them in turn, so the service outlives the node it was connected to.</summary>
    public IReadOnlyList<int> ClusterPorts { get; init; } = [];

    /// <summary>A cluster: the service's queues are quorum queues (replicated), so requests queued on a node that goes
    /// away are not lost with it.</summary>
    public bool Replicated => ClusterPorts.Count > 0;

    /// <summary>The node <paramref name="role"/> of <paramref name="fleet"/> (port and vhost from fleet.json; on the primary,
    /// the other cluster nodes' AMQPS ports too).</summary>
    public static RenewalEndpoint Of(FleetDirectory fleet, BrokerRole role, string host) =>
        new(role, host, fleet.Settings.Ports.Amqps(role), fleet.Settings.Vhost(role))
        {
            ClusterPorts = role == BrokerRole.Primary ? fleet.Settings.Ports.PrimaryPeers.Select(p => p.Amqps).ToList() : [],
        };
}

/// <summary>
/// The renewal service's AMQPS transport to one broker node: TLS with the server certificate chained to the pinned
/// fleet root and matched to the host name, EXTERNAL login with pki/renewal-service.pem (user renewal-service, no
/// password), a durable queue bound to amq.topic with devices.*.renew.request (and on the primary a second one,
/// renewal-status, bound to devices.*.status), manual acks, answers published persistent to
/// devices.&lt;id&gt;.renew.response with publisher confirms (the request is acked only after the answer is confirmed).
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
    private IChannel? _statusChannel;

    public RenewalServiceHost(FleetDirectory fleet, RenewalEndpoint endpoint, IRenewalHandler handler, Action<string>? log = null)
    {
        _endpoint = endpoint;
        _handler = handler;
        _log = log ?? (_ => { });
        if (!File.Exists(fleet.RootCaCertificate))
            throw new BackendException($"pinned root CA {fleet.RootCaCertificate} does not exist");
        if (!File.Exists(fleet.RenewalServiceCertificate) || !File.Exists(fleet.RenewalServiceKey))
            throw new BackendException($"renewal service certificate {fleet.RenewalServiceCertificate} / key {fleet.RenewalServiceKey} missing");
        _root = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate);
        var withKey = X509Certificate2.CreateFromPemFile(fleet.RenewalServiceCertificate, fleet.RenewalServiceKey);
        // Linux SslStream needs a key it can hand to OpenSSL: an exported/reimported PKCS#12 is the portable form.
        _client = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Messages handed to the handler (requests and status).</summary>
    public int Handled => _handled;
    private int _handled;

    /// <summary>The node this host consumes from (primary / fallback).</summary>
    public string Name => _endpoint.Name;

    private long _requests, _handlerTicks, _publishTicks;

    /// <summary>Requests answered, mean time in the handler and mean time to publish the answer (with its confirm) and ack.</summary>
    public string TimingSummary()
    {
        long n = Interlocked.Read(ref _requests);
        double ms(long t) => n == 0 ? 0 : t * 1000.0 / System.Diagnostics.Stopwatch.Frequency / n;
        return $"{n} requests, handler {ms(Interlocked.Read(ref _handlerTicks)):F1} ms, publish+confirm+ack {ms(Interlocked.Read(ref _publishTicks)):F1} ms each";
    }

    /// <summary>Whether this host consumes the status feed (the primary only: the device commits there).</summary>
    public bool ConsumesStatus => _endpoint.Role == BrokerRole.Primary;

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
                CertificateValidationCallback = (_, cert, chain, errors) => PinnedServerCertificate.Validate(cert, chain, errors, _root),
            },
        };
        try
        {
            // Node 1 first, then the other cluster nodes (each with the same TLS rules).
            var endpoints = new[] { _endpoint.Port }.Concat(_endpoint.ClusterPorts)
                .Select(port => new AmqpTcpEndpoint(_endpoint.Host, port, factory.Ssl)).ToList();
            _connection = await factory.CreateConnectionAsync(endpoints, "renewal-service", cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or AuthenticationException or IOException)
        {
            throw new BackendException($"renewal service cannot connect to {_endpoint.Name} amqps://{_endpoint.Host}:{_endpoint.Port}/{_endpoint.Vhost}: {Innermost(ex)}", ex);
        }
        // Several requests in flight per instance (RequestConcurrency): the authority is thread-safe and the registry
        // writes of concurrent requests go to disk together (DeviceRegistry's group commit).
        EnsureThreadsFor(RequestConcurrency);
        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            consumerDispatchConcurrency: RequestConcurrency), cancel).ConfigureAwait(false);
        // Competing consumers: every instance consumes the same durable queue; at most RequestPrefetch unacked requests
        // per instance, each acked only after its answer is confirmed, so an instance that dies loses nothing (the broker
        // redelivers its unacked requests to the others).
        await _channel.BasicQosAsync(0, RequestPrefetch, false, cancel).ConfigureAwait(false);
        await ConsumeAsync(_channel, RabbitMqConfigWriter.RenewalQueue, RabbitMqConfigWriter.RequestBindingKey, RenewalMessageKinds.Request, cancel).ConfigureAwait(false);
        if (ConsumesStatus)
        {
            // Status (the commit feed) on a channel of its own: with a batching handler its messages stay unacked until
            // their batch is committed, which must hold up neither the requests nor the batch from filling (prefetch).
            _statusChannel = BatchesStatus ? await _connection.CreateChannelAsync(cancellationToken: cancel).ConfigureAwait(false) : _channel;
            if (BatchesStatus)
                await _statusChannel.BasicQosAsync(0, StatusPrefetch, false, cancel).ConfigureAwait(false);
            await ConsumeAsync(_statusChannel, RabbitMqConfigWriter.StatusQueue, RabbitMqConfigWriter.StatusBindingKey, RenewalMessageKinds.Status, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Requests one instance handles at the same time. More than the cores: a request's time is mostly the
    /// grouped registry write (fsync) and the answer's publisher confirm, and the more requests wait for one registry
    /// write, the fewer writes there are (8: ~48 requests/s at 1,000 devices).</summary>
    public const ushort RequestConcurrency = 32;

    /// <summary>Unacked renewal requests per instance.</summary>
    public const ushort RequestPrefetch = 64;

    /// <summary>The handler is synchronous and a request blocks its thread-pool thread while its registry write is grouped
    /// with others: without enough threads up front, the pool adds them one every ~0.5 s and the requests queue meanwhile.</summary>
    public static void EnsureThreadsFor(int concurrency)
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int wanted = concurrency + 2 * Environment.ProcessorCount;
        if (workers < wanted)
            ThreadPool.SetMinThreads(wanted, io);
    }

    /// <summary>Unacked status messages per instance when status is committed in batches (a batch's upper bound).</summary>
    public const ushort StatusPrefetch = 1000;

    private bool BatchesStatus => _handler is IRenewalStatusBatcher { BatchesStatus: true };

    private async Task ConsumeAsync(IChannel channel, string queue, string bindingKey, string kind, CancellationToken cancel)
    {
        var arguments = _endpoint.Replicated ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null;
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancel).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, "amq.topic", bindingKey, cancellationToken: cancel).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) => OnMessageAsync(channel, ea, kind);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancel).ConfigureAwait(false);
        _log($"{_endpoint.Name}: consuming {queue} ({bindingKey}; amqps://{_endpoint.Host}:{_endpoint.Port}/{_endpoint.Vhost}, EXTERNAL as renewal-service)");
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
            ex = ex.InnerException;
        return ex.Message;
    }
    /// <summary>devices.&lt;id&gt;.renew.request → (id, request), devices.&lt;id&gt;.status → (id, status), else null.</summary>
    public static (string DeviceId, string Kind)? ParseRoutingKey(string routingKey)
    {
        var parts = routingKey.Split('.');
        string? kind = parts switch
        {
            ["devices", _, "renew", "request"] => RenewalMessageKinds.Request,
            ["devices", _, "status"] => RenewalMessageKinds.Status,
            _ => null,
        };
        return kind is not null && DeviceIds.IsValid(parts[1]) ? (parts[1], kind) : null;
    }

    private async Task OnMessageAsync(IChannel channel, BasicDeliverEventArgs ea, string queueKind)
    {
        // Threat: the payload's device= line is attacker-chosen; the routing key is what the broker's topic
        // permission ({username}) let this device publish to, so it is the only identity used. The kind is the
        // routing key's too, and must be the one the queue is bound for.
        var parsed = ParseRoutingKey(ea.RoutingKey);
        if (parsed is not { } message || message.Kind != queueKind)
        {
            _log($"{_endpoint.Name}: dropped a message with routing key '{ea.RoutingKey}'");
            await channel.BasicAckAsync(ea.DeliveryTag, false).ConfigureAwait(false);
            return;
        }
        string deviceId = message.DeviceId;
        if (message.Kind == RenewalMessageKinds.Status && _handler is IRenewalStatusBatcher { BatchesStatus: true } batcher)
        {
            // Not awaited: the consumer goes on while the batch collects; acked when its batch is committed.
            _ = AckWhenCommittedAsync(channel, ea.DeliveryTag, deviceId, batcher.SubmitStatusAsync(_endpoint.Vhost, deviceId, ea.Body.ToArray()));
            return;
        }
        byte[]? answer;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            answer = _handler.Handle(_endpoint.Vhost, deviceId, message.Kind, ea.Body.ToArray());
        }
        catch (Exception ex)
        {
            // Not requeued: a request that crashes the handler would otherwise loop forever. The device retries.
            _log($"{_endpoint.Name}: handler failed for {deviceId} ({message.Kind}): {ex.Message}");
            await channel.BasicNackAsync(ea.DeliveryTag, false, requeue: false).ConfigureAwait(false);
            return;
        }
        long handled = System.Diagnostics.Stopwatch.GetTimestamp();
        if (message.Kind == RenewalMessageKinds.Request)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _handlerTicks, handled - started);
            // Not awaited: the answer's publisher confirm (the broker persisting it) takes as long as the handler itself, and
            // the dispatch slot is for the next request meanwhile. The request stays unacked until the answer is confirmed
            // (RequestPrefetch bounds how many wait so), so nothing is lost if the instance dies in between.
            _ = AnswerAndAckAsync(channel, ea.DeliveryTag, deviceId, answer, handled);
            return;
        }
        // A status message is never answered: the device does not listen for one, and answering would let status traffic
        // produce renewal responses.
        await channel.BasicAckAsync(ea.DeliveryTag, false).ConfigureAwait(false);
        Interlocked.Increment(ref _handled);
        _log($"{_endpoint.Name}: {deviceId} {message.Kind}: handled");
    }

    private async Task AnswerAndAckAsync(IChannel channel, ulong deliveryTag, string deviceId, byte[]? answer, long handled)
    {
        try
        {
            if (answer is not null)
            {
                var props = new BasicProperties { Persistent = true, ContentType = "text/plain" };
                await channel.BasicPublishAsync("amq.topic", $"devices.{deviceId}.renew.response", mandatory: false, props, answer).ConfigureAwait(false);
            }
            await channel.BasicAckAsync(deliveryTag, false).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not confirmed (channel or connection lost, or a nack): the request stays unacked and the broker redelivers it;
            // the replay guard refuses it then, and the device retries with a new request id after its timeout.
            _log($"{_endpoint.Name}: answer to {deviceId} not confirmed: {ex.Message}");
            return;
        }
        Interlocked.Increment(ref _handled);
        Interlocked.Add(ref _publishTicks, System.Diagnostics.Stopwatch.GetTimestamp() - handled);
        _log($"{_endpoint.Name}: {deviceId} request: {(answer is null ? "no answer" : "answered")}");
    }

    private async Task AckWhenCommittedAsync(IChannel channel, ulong deliveryTag, string deviceId, Task commit)
    {
        try
        {
            await commit.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // As for a failing handler: not requeued; the device's next online status (every connect) retries the commit.
            _log($"{_endpoint.Name}: commit failed for {deviceId}: {ex.Message}");
            try { await channel.BasicNackAsync(deliveryTag, false, requeue: false).ConfigureAwait(false); } catch (Exception) { }
            return;
        }
        try
        {
            await channel.BasicAckAsync(deliveryTag, false).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The channel closed meanwhile: the broker redelivers the message and the commit, idempotent, finds nothing to do.
            _log($"{_endpoint.Name}: ack of {deviceId}'s status failed: {ex.Message}");
            return;
        }
        Interlocked.Increment(ref _handled);
    }

    public async ValueTask DisposeAsync()
    {
        if (_statusChannel is not null && _statusChannel != _channel)
        {
            try { await _statusChannel.CloseAsync().ConfigureAwait(false); } catch (Exception) { }
            _statusChannel.Dispose();
        }
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
