using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using NfBuild.Backend;
using NfBuild.Fleet;

namespace NfBuild.EmbeddedBackend;

/// <summary>
/// One broker endpoint (primary or fallback): an MQTTnet server behind <see cref="TlsMqttServerAdapter"/> that logs in,
/// authorizes and routes as RabbitMQ 3.10's MQTT plugin with the definitions of <see cref="BrokerRules"/>:
/// <list type="bullet">
/// <item>Login (rabbit_mqtt_processor creds/2): a username AND password sent take priority over the certificate; one of
/// them alone is refused; with neither, the certificate CN is the username on the primary (ssl_cert_login) and nothing on
/// the fallback. The user must exist on this node and, for a password, match its rabbit_password_hashing_sha256 hash
/// (a user without hash has no password). <c>vhost:user</c> names a vhost, which must be this node's.</item>
/// <item>Topics: the MQTT topic becomes the routing key (<c>/</c> → <c>.</c>, <c>+</c> → <c>*</c>, a <c>.</c> stays a
/// level separator) and is matched against the user's write (publish) or read (subscribe) rule; a subscription also
/// needs the client id's subscription queue <c>mqtt-subscription-&lt;client id&gt;qos0|1</c> among the user's queues.
/// Anything refused closes the connection. Messages are routed on the routing key, so a subscriber sees the topic
/// RabbitMQ would show (amqp2mqtt of the key).</item>
/// <item>Retained messages, last will (checked like a publish), persistent sessions, client-id takeover: MQTTnet's.</item>
/// <item>Renewal: a permitted devices/&lt;id&gt;/renew/request (and, on the primary, devices/&lt;id&gt;/status) that the
/// renewal service's read rule allows goes to <see cref="IRenewalHandler"/> (requests up to
/// <see cref="RenewalConcurrency"/> at a time, status in arrival order or to the commit batcher); its answer is published on
/// devices/&lt;id&gt;/renew/response of this endpoint if the service's write rule allows it.</item>
/// </list>
/// </summary>
public sealed class EmbeddedEndpoint : IAsyncDisposable
{
    private readonly TlsMqttServerAdapter _adapter;
    private readonly IRenewalHandler? _renewal;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, BrokerUser> _logins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<MqttApplicationMessage, byte> _injected = new(ReferenceEqualityComparer.Instance);
    private readonly Channel<(string DeviceId, string Kind, byte[] Payload)> _renewalQueue = Channel.CreateUnbounded<(string, string, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly BrokerRights _service;
    private volatile IReadOnlyDictionary<string, BrokerUser> _users;
    private Task? _renewalWorker;

    internal EmbeddedEndpoint(BrokerRole role, string vhost, IReadOnlyList<BrokerUser> users, IRenewalHandler? renewal, Action<string>? log, TlsMqttServerAdapter adapter)
    {
        Role = role;
        Vhost = vhost;
        _users = users.ToDictionary(u => u.Name, StringComparer.Ordinal);
        _renewal = renewal;
        _log = log ?? (_ => { });
        _adapter = adapter;
        _service = BrokerRules.RenewalService(role);
        var options = new MqttServerOptionsBuilder().WithoutDefaultEndpoint().WithPersistentSessions().Build();
        Server = new MqttServerFactory().CreateMqttServer(options, [adapter]);
        Server.ValidatingConnectionAsync += OnConnectAsync;
        Server.InterceptingPublishAsync += OnPublishAsync;
        Server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        Server.InterceptingClientEnqueueAsync += OnEnqueueAsync;
    }

    public BrokerRole Role { get; }
    public string Vhost { get; }
    public int Port => _adapter.Port;
    public MqttServer Server { get; }

    /// <summary>Why the TLS layer refused a client.</summary>
    public ConcurrentQueue<string> TlsRefusals => _adapter.Refusals;

    /// <summary>Login and permission refusals, one line each.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    /// <summary>Messages handed to the renewal handler.</summary>
    public int RenewalMessagesHandled => _handled;
    private int _handled;

    /// <summary>Cuts every client's TCP connection (a network loss).</summary>
    public void DropConnections() => _adapter.DropConnections();

    internal async Task StartAsync()
    {
        await Server.StartAsync();
        if (_renewal is not null)
        {
            RenewalServiceHost.EnsureThreadsFor(RenewalConcurrency);
            _renewalWorker = Task.Run(RenewalLoop);
        }
        _log($"{Role.DirectoryName()}: mqtts://{_adapter.Address}:{Port} (vhost {Vhost}, {(Role == BrokerRole.Primary ? "certificate login" : "password login")})");
    }

    private void Refuse(string what)
    {
        Refusals.Enqueue(what);
        _log($"{Role.DirectoryName()}: {what}");
    }

    private Task OnConnectAsync(ValidatingConnectionEventArgs e)
    {
        // Absent and empty differ (RabbitMQ's creds/2 tells them apart): the raw password is null only when none was sent.
        string? password = e.RawPassword is { } raw ? System.Text.Encoding.UTF8.GetString(raw) : null;
        e.ReasonCode = Login(e.UserName, password, e.ClientCertificate, out var user, out string why);
        if (user is null)
            Refuse($"login refused (client id '{e.ClientId}'): {why}");
        else
            _logins[e.ClientId] = user;
        return Task.CompletedTask;
    }

    private MqttConnectReasonCode Login(string? username, string? password, X509Certificate2? certificate, out BrokerUser? user, out string why)
    {
        user = null;
        bool provided = username is not null || password is not null;
        string name;
        if (username is not null && password is not null)
        {
            // Username and password take priority over the certificate (3.10).
            name = username;
            int colon = name.IndexOf(':');
            if (colon >= 0)
            {
                string vhost = name[..colon];
                name = name[(colon + 1)..];
                if (vhost != Vhost)
                {
                    // RabbitMQ 3.10 answers a vhost it does not have like a failed login (tested).
                    why = $"vhost '{vhost}' does not exist";
                    return MqttConnectReasonCode.BadUserNameOrPassword;
                }
            }
        }
        else if (provided)
        {
            why = $"username or password missing (username {(username is null ? "absent" : "sent")}, password {(password is null ? "absent" : "sent")})";
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }
        else if (Role == BrokerRole.Primary && certificate is not null && CommonName(certificate) is { } cn)
        {
            name = cn;
        }
        else
        {
            why = "no credentials";
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }
        if (!_users.TryGetValue(name, out var found))
        {
            why = $"user '{name}' does not exist";
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }
        if (password is not null && (found.PasswordHash.Length == 0 || !FallbackPasswords.Verify(password, found.PasswordHash)))
        {
            why = $"user '{name}': wrong password";
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }
        user = found;
        why = "";
        return MqttConnectReasonCode.Success;
    }

    private static string? CommonName(X509Certificate2 certificate)
    {
        string cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? null : cn;
    }

    /// <summary>The user logged in with <paramref name="clientId"/> now, if it still exists.</summary>
    private BrokerUser? UserOf(string clientId) =>
        _logins.TryGetValue(clientId, out var login) && _users.TryGetValue(login.Name, out var current) ? current : null;

    private Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (_injected.TryRemove(message, out _))
            return Task.CompletedTask;
        string routingKey = BrokerRules.RoutingKey(message.Topic);
        var user = UserOf(e.ClientId);
        if (user is null || !user.Rights.Write.Matches(user.Name, routingKey))
        {
            Refuse($"publish refused: user '{user?.Name}' (client id '{e.ClientId}') may not write '{routingKey}'");
            e.ProcessPublish = false;
            e.CloseConnection = true;
            return Task.CompletedTask;
        }
        // Route on the routing key: a dotted MQTT topic lands where RabbitMQ would deliver it.
        message.Topic = BrokerRules.MqttTopic(routingKey);
        if (_renewal is not null && RenewalServiceHost.ParseRoutingKey(routingKey) is { } m
            && (m.Kind == RenewalMessageKinds.Request || Role == BrokerRole.Primary)
            && _service.Read.Matches(BrokerRules.RenewalServiceUser, routingKey))
        {
            _renewalQueue.Writer.TryWrite((m.DeviceId, m.Kind, message.Payload.ToArray()));
        }
        return Task.CompletedTask;
    }

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        string routingKey = BrokerRules.RoutingKey(e.TopicFilter.Topic);
        var user = UserOf(e.ClientId);
        int qos = e.TopicFilter.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? 0 : 1;
        string queue = BrokerRules.MqttSubscriptionQueue(e.ClientId, qos);
        if (user is null || !user.Rights.MayUseQueue(queue) || !user.Rights.Read.Matches(user.Name, routingKey))
        {
            Refuse($"subscribe refused: user '{user?.Name}' (client id '{e.ClientId}') may not bind '{routingKey}' to queue '{queue}'");
            e.ProcessSubscription = false;
            e.CloseConnection = true;
            return Task.CompletedTask;
        }
        e.TopicFilter.Topic = BrokerRules.MqttTopic(routingKey);
        return Task.CompletedTask;
    }

    /// <summary>Delivery check as well: a session resumed under another user (client-id takeover with a persistent
    /// session) never gets what that user may not read.</summary>
    private Task OnEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        var user = UserOf(e.ReceiverClientId);
        if (user is null || !user.Rights.Read.Matches(user.Name, BrokerRules.RoutingKey(e.ApplicationMessage.Topic)))
            e.AcceptEnqueue = false;
        return Task.CompletedTask;
    }

    /// <summary>Publishes <paramref name="payload"/> on <paramref name="mqttTopic"/> as the renewal service (its write rule applies).</summary>
    public async Task PublishAsServiceAsync(string mqttTopic, byte[] payload)
    {
        string routingKey = BrokerRules.RoutingKey(mqttTopic);
        if (!_service.Write.Matches(BrokerRules.RenewalServiceUser, routingKey))
            throw new BackendException($"the renewal service may not write '{routingKey}'");
        var message = new MqttApplicationMessageBuilder().WithTopic(BrokerRules.MqttTopic(routingKey)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("text/plain").Build();
        _injected[message] = 0;
        await Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = BrokerRules.RenewalServiceUser });
    }

    /// <summary>Requests the in-process renewal handler works on at the same time, as one RabbitMQ renewal-service
    /// instance does (<see cref="RenewalServiceHost.RequestConcurrency"/>): the authority is thread-safe and the registry
    /// writes of concurrent requests are grouped, so a fleet renewing at once is not answered one request after another.</summary>
    public const int RenewalConcurrency = RenewalServiceHost.RequestConcurrency;

    private async Task RenewalLoop()
    {
        using var slots = new SemaphoreSlim(RenewalConcurrency);
        await foreach (var (deviceId, kind, payload) in _renewalQueue.Reader.ReadAllAsync())
        {
            if (kind == RenewalMessageKinds.Status && _renewal is IRenewalStatusBatcher { BatchesStatus: true } batcher)
            {
                // Committed in batches (RenewalCommitBatcher): the loop goes on answering requests meanwhile.
                string id = deviceId;
                _ = batcher.SubmitStatusAsync(Vhost, id, payload).ContinueWith(t =>
                {
                    if (t.IsFaulted)
                        _log($"{Role.DirectoryName()}: commit failed for {id}: {t.Exception?.InnerException?.Message}");
                    else
                        Interlocked.Increment(ref _handled);
                }, TaskScheduler.Default);
                continue;
            }
            if (kind == RenewalMessageKinds.Status)
            {
                // Unbatched status (a commit each): in arrival order on this loop, as before.
                await HandleOneAsync(deviceId, kind, payload);
                continue;
            }
            // Requests: up to RenewalConcurrency at a time. A device sends its next request only after the answer to the
            // previous one (or its timeout), so one device's requests do not overtake each other.
            await slots.WaitAsync();
            string device = deviceId;
            byte[] body = payload;
            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleOneAsync(device, RenewalMessageKinds.Request, body);
                }
                finally
                {
                    slots.Release();
                }
            });
        }
        // Stopping: let the requests in flight finish (their answers may still be published).
        for (int i = 0; i < RenewalConcurrency; i++)
            await slots.WaitAsync();
    }

    private async Task HandleOneAsync(string deviceId, string kind, byte[] payload)
    {
        byte[]? answer;
        try
        {
            answer = _renewal!.Handle(Vhost, deviceId, kind, payload);
        }
        catch (Exception ex)
        {
            _log($"{Role.DirectoryName()}: handler failed for {deviceId} ({kind}): {ex.Message}");
            return;
        }
        Interlocked.Increment(ref _handled);
        if (answer is not null && kind == RenewalMessageKinds.Request)
        {
            try
            {
                await PublishAsServiceAsync($"devices/{deviceId}/renew/response", answer);
            }
            catch (Exception ex) when (ex is BackendException or InvalidOperationException or ObjectDisposedException)
            {
                _log($"{Role.DirectoryName()}: answer to {deviceId} not published: {ex.Message}");
            }
        }
    }

    /// <summary>Sets one user's password hash (a committed renewal's new fallback password); live connections stay, as on RabbitMQ.</summary>
    internal bool SetPasswordHash(string name, string passwordHash)
    {
        var users = new Dictionary<string, BrokerUser>(_users, StringComparer.Ordinal);
        if (!users.TryGetValue(name, out var user))
            return false;
        users[name] = user with { PasswordHash = passwordHash };
        _users = users;
        return true;
    }

    /// <summary>Replaces the users; connections of users that no longer exist are closed.</summary>
    internal async Task ReplaceUsersAsync(IReadOnlyList<BrokerUser> users)
    {
        _users = users.ToDictionary(u => u.Name, StringComparer.Ordinal);
        foreach (var client in await Server.GetClientsAsync())
        {
            if (UserOf(client.Id) is null)
            {
                Refuse($"user of client id '{client.Id}' removed: connection closed");
                try { await client.DisconnectAsync(); } catch (Exception) { }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _renewalQueue.Writer.TryComplete();
        if (Server.IsStarted)
            await Server.StopAsync();
        if (_renewalWorker is not null)
            await _renewalWorker;
        Server.Dispose();
        _adapter.Dispose();
    }
}
