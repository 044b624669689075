using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IotDevice.Core.Platform;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotDevice.Host.Adapters;

/// <summary>
/// <see cref="IMqttSession"/> on MQTTnet 5.2 (MQTT 3.1.1). The TCP connection and the TLS handshake are
/// made here (<see cref="PinnedTlsStreamProvider"/>, handed to MQTTnet as its stream provider), so that the
/// adapter knows exactly which step failed and can say why (<see cref="MqttConnectResult"/>):
/// <list type="bullet">
/// <item>DNS, TCP connect, timeouts, a connection reset or closed before/while the handshake runs without
/// any TLS alert: <see cref="MqttConnectResult.NetworkError"/>.</item>
/// <item>Our own check of the server certificate failed (not chaining to the pinned root, wrong host name,
/// expired, not a serverAuth certificate, no certificate): <see cref="MqttConnectResult.ServerNotTrusted"/>.
/// We abort the handshake; .NET throws <see cref="AuthenticationException"/> ("The remote certificate was
/// rejected by the provided RemoteCertificateValidationCallback").</item>
/// <item>The server rejected our client certificate: <see cref="MqttConnectResult.ClientCertificateRejected"/>.
/// Measured on Linux (.NET 10, OpenSSL 3.0, TLS 1.2; OpenSslServerAlertTests, MqttNetSessionTests):
/// a server that verifies inside the handshake (OpenSSL s_server -verify_return_error, RabbitMQ/Erlang)
/// sends an alert while <c>AuthenticateAsClientAsync</c> waits for its Finished; .NET throws
/// AuthenticationException "Authentication failed, see inner exception" -> SslException "SSL Handshake
/// failed with OpenSSL error - SSL_ERROR_SSL." -> OpenSslCryptographicException with the alert:
/// expired "error:0A000415:SSL routines::sslv3 alert certificate expired", other CA
/// "error:0A000418:SSL routines::tlsv1 alert unknown ca", no certificate "error:0A000410:SSL
/// routines::sslv3 alert handshake failure" (TLS 1.2 has no certificate_required alert), and likewise
/// "bad certificate", "certificate revoked", "certificate unknown". A server that verifies after its side
/// of the handshake (.NET's own SslStream server, MQTTnet.Server) completes the handshake and then closes
/// the connection before any MQTT byte: MQTTnet reports "Connection closed" while waiting for CONNACK;
/// that too is a refusal when it comes within <see cref="PinnedTlsStreamProvider"/>'s short window after the
/// handshake. The alert names are OpenSSL's wording (Windows SChannel reports Win32 errors instead).</item>
/// <item>CONNACK "bad user name or password" (4) or "not authorized" (5): <see cref="MqttConnectResult.NotAuthorized"/>;
/// any other refusal code: <see cref="MqttConnectResult.NetworkError"/> (server unavailable, retry).</item>
/// </list>
/// TLS is pinned to 1.2 (see <see cref="IMqttSession"/>: on TLS 1.3 a rejected client certificate is
/// only reported after the client's handshake finished, indistinguishable from a network drop).
/// </summary>
public sealed class MqttNetSession : IMqttSession
{
    private readonly IClock? _clock;
    private readonly object _gate = new();
    private IMqttClient? _client;
    private PinnedTlsStreamProvider? _provider;
    private volatile bool _disconnectRequested;

    /// <param name="clock">Time used for the server certificate's validity (the device's clock); null = host time.</param>
    /// <param name="tlsSessions">The device's TLS session count, shared with its HTTPS downloader; null = a counter of its own.</param>
    public MqttNetSession(IClock? clock = null, TlsSessionCounter? tlsSessions = null)
    {
        _clock = clock;
        TlsSessions = tlsSessions ?? new TlsSessionCounter();
    }

    /// <summary>
    /// TLS sessions open through this session (counted from the completed handshake until the stream is disposed), in
    /// the device's counter that its HTTPS downloads share: the ESP32 has RAM for one mbedTLS session at a time, so
    /// the tests assert that the device's count never exceeds one.
    /// </summary>
    public TlsSessionCounter TlsSessions { get; }

    /// <summary>Bound of DNS + TCP + TLS + CONNACK.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long Publish waits for PUBACK and Subscribe for SUBACK.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Why the last Connect failed, for logs (the exception text or the CONNACK code); null after success.</summary>
    public string? LastError { get; private set; }

    public bool IsConnected => _client?.IsConnected == true;

    public event MqttMessageHandler? MessageReceived;

    public event EventHandler? ConnectionLost;

    public MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credentials);
        // One session per adapter: a new Connect replaces the old one (and its TLS session) first.
        Disconnect();
        LastError = null;

        PinnedTlsStreamProvider provider;
        try
        {
            provider = new PinnedTlsStreamProvider(endpoint, credentials, _clock, ConnectTimeout, TlsSessions);
        }
        catch (CryptographicException e)
        {
            // Unparseable pinned CA or client certificate/key in the store: nothing on the network can fix it.
            // Threat: a corrupted pinned CA must never degrade to "trust anything"; we do not connect at all.
            LastError = "bad local certificate material: " + e.Message;
            return credentials.UsesCertificate ? MqttConnectResult.ClientCertificateRejected : MqttConnectResult.ServerNotTrusted;
        }

        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(new DnsEndPoint(endpoint.Host, endpoint.Port))
            .WithStreamProvider(provider)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(credentials.ClientId)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(KeepAlive)
            .WithTimeout(ConnectTimeout);
        // Certificate login sends no username/password (RabbitMQ would prefer them over the certificate).
        if (!credentials.UsesCertificate)
            builder = builder.WithCredentials(credentials.Username, credentials.Password);
        if (will is not null)
        {
            builder = builder
                .WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload)
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessage;
        client.DisconnectedAsync += OnDisconnected;
        _disconnectRequested = false;

        MqttConnectResult result;
        try
        {
            using var cts = new CancellationTokenSource(ConnectTimeout);
            MqttClientConnectResult connack = client.ConnectAsync(builder.Build(), cts.Token).GetAwaiter().GetResult();
            result = FromConnAck(connack.ResultCode);
            if (result != MqttConnectResult.Connected)
                LastError = "CONNACK " + connack.ResultCode;
        }
        catch (Exception e)
        {
            // MQTTnet 5 may also report a refused CONNACK as an exception carrying the result.
            result = provider.Classify(e);
            if (FindConnAckCode(e) is { } code)
                result = FromConnAck(code);
            LastError = provider.ServerRejectReason ?? Describe(e);
        }

        if (result != MqttConnectResult.Connected)
        {
            _disconnectRequested = true;
            client.ApplicationMessageReceivedAsync -= OnMessage;
            client.DisconnectedAsync -= OnDisconnected;
            client.Dispose();
            provider.CloseStream();
            return result;
        }

        lock (_gate)
        {
            _client = client;
            _provider = provider;
        }
        return MqttConnectResult.Connected;
    }

    public bool Publish(string topic, byte[] payload, bool retain)
    {
        IMqttClient? client = _client;
        if (client is null || !client.IsConnected)
            return false;
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload ?? [])
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(retain)
                .Build();
            using var cts = new CancellationTokenSource(AckTimeout);
            // QoS 1: PublishAsync completes when the PUBACK for this packet id arrives.
            MqttClientPublishResult result = client.PublishAsync(message, cts.Token).GetAwaiter().GetResult();
            return result.IsSuccess;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LastError = Describe(e);
            return false;
        }
    }

    public bool Subscribe(string topic)
    {
        IMqttClient? client = _client;
        if (client is null || !client.IsConnected)
            return false;
        try
        {
            var options = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            using var cts = new CancellationTokenSource(AckTimeout);
            MqttClientSubscribeResult result = client.SubscribeAsync(options, cts.Token).GetAwaiter().GetResult();
            // MQTT 3.1.1 SUBACK: 0x00..0x02 granted QoS, 0x80 failure (MQTTnet: UnspecifiedError).
            return result.Items.Count > 0 && result.Items.All(i =>
                i.ResultCode is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LastError = Describe(e);
            return false;
        }
    }

    public void Disconnect()
    {
        IMqttClient? client;
        PinnedTlsStreamProvider? provider;
        lock (_gate)
        {
            client = _client;
            provider = _provider;
            _client = null;
            _provider = null;
        }
        if (client is null)
            return;
        _disconnectRequested = true;
        try
        {
            if (client.IsConnected)
            {
                using var cts = new CancellationTokenSource(AckTimeout);
                client.DisconnectAsync(new MqttClientDisconnectOptions(), cts.Token).GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already gone: nothing to tell the broker.
        }
        finally
        {
            client.ApplicationMessageReceivedAsync -= OnMessage;
            client.DisconnectedAsync -= OnDisconnected;
            client.Dispose();
            provider?.CloseStream();
        }
    }

    public void Dispose() => Disconnect();

    private Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = new MqttMessage(e.ApplicationMessage.Topic, System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
        MessageReceived?.Invoke(this, message);
        return Task.CompletedTask;
    }

    private Task OnDisconnected(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_disconnectRequested)
        {
            LastError = e.Exception is { } ex ? Describe(ex) : "connection lost: " + e.Reason;
            _provider?.CloseStream();
            ConnectionLost?.Invoke(this, EventArgs.Empty);
        }
        return Task.CompletedTask;
    }

    private static MqttConnectResult FromConnAck(MqttClientConnectResultCode code) => code switch
    {
        MqttClientConnectResultCode.Success => MqttConnectResult.Connected,
        MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized => MqttConnectResult.NotAuthorized,
        _ => MqttConnectResult.NetworkError,
    };

    private static MqttClientConnectResultCode? FindConnAckCode(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            // MqttConnectingFailedException.Result / ResultCode, when this MQTTnet version provides them.
            var property = x.GetType().GetProperty("ResultCode");
            if (property?.GetValue(x) is MqttClientConnectResultCode code && code != MqttClientConnectResultCode.Success)
                return code;
        }
        return null;
    }

    internal static string Describe(Exception e)
    {
        var text = new StringBuilder();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (text.Length > 0) text.Append(" -> ");
            text.Append(x.GetType().Name).Append(": ").Append(x.Message);
        }
        return text.ToString();
    }

    /// <summary>
    /// Makes the TCP connection and the TLS 1.2 handshake for MQTTnet, remembering how far it got and
    /// whether our server check rejected the server, so that failures can be classified precisely.
    /// </summary>
    private sealed class PinnedTlsStreamProvider : MQTTnet.Channel.IMqttClientStreamProvider
    {
        private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

        /// <summary>How soon after the handshake a close without any MQTT byte counts as the broker's refusal.</summary>
        private const long PostHandshakeRefusalWindowMs = 2000;

        private readonly MqttEndpoint _endpoint;
        private readonly IClock? _clock;
        private readonly TimeSpan _timeout;
        private readonly X509Certificate2Collection _pinnedRoots;
        private readonly SslStreamCertificateContext? _clientCertificate;
        private readonly TlsSessionCounter _sessions;
        private CountedStream? _stream;

        public PinnedTlsStreamProvider(MqttEndpoint endpoint, MqttCredentials credentials, IClock? clock, TimeSpan timeout, TlsSessionCounter sessions)
        {
            _sessions = sessions;
            _endpoint = endpoint;
            _clock = clock;
            _timeout = timeout;
            _pinnedRoots = new X509Certificate2Collection();
            _pinnedRoots.ImportFromPem(Encoding.UTF8.GetString(endpoint.CaCertificatePem));
            if (_pinnedRoots.Count == 0)
                throw new CryptographicException("the pinned CA PEM holds no certificate");
            if (credentials.UsesCertificate)
                _clientCertificate = LoadClientCertificate(credentials.CertificatePem, credentials.PrivateKeyPem);
        }

        public Stage Reached { get; private set; } = Stage.None;

        /// <summary>Our validation callback ran and refused the server.</summary>
        public bool ServerRejected { get; private set; }

        public string? ServerRejectReason { get; private set; }

        public async Task<Stream> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            CancellationToken token = timeout.Token;

            Reached = Stage.Dns;
            IPAddress[] addresses = IPAddress.TryParse(_endpoint.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(_endpoint.Host, token).ConfigureAwait(false);
            if (addresses.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);

            Reached = Stage.Tcp;
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, _endpoint.Port, token).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            Reached = Stage.Tls;
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            try
            {
                var options = new SslClientAuthenticationOptions
                {
                    TargetHost = _endpoint.Host,
                    // Threat: pinning TLS 1.2 keeps the client-certificate verdict inside the handshake (see class doc)
                    // and no downgrade below 1.2 is possible.
                    EnabledSslProtocols = SslProtocols.Tls12,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = ValidateServer,
                    ClientCertificateContext = _clientCertificate,
                };
                await ssl.AuthenticateAsClientAsync(options, token).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            Reached = Stage.Established;
            var counted = new CountedStream(ssl, Environment.TickCount64, _sessions);
            _stream = counted;
            return counted;
        }

        public void CloseStream() => _stream?.Dispose();

        /// <summary>
        /// Threat: an attacker who controls DNS or the network path can present any certificate, including
        /// one from a public CA or one of our own device certificates. The server is accepted only if its
        /// certificate chains to the pinned root(s) (never the OS trust store), is valid now by the device's
        /// clock, carries EKU serverAuth (a stolen device certificate cannot impersonate the broker) and names
        /// the host we dialled (SAN, checked by the platform: RemoteCertificateNameMismatch).
        /// Revocation is not checked for servers (no CRL distribution to devices); the pinned private PKI
        /// and short server certificate lifetimes bound that exposure.
        /// </summary>
        private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? platformChain, SslPolicyErrors errors)
        {
            string? reason = null;
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                reason = "the server sent no certificate";
            else if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                reason = $"the server certificate does not name '{_endpoint.Host}'";
            else
            {
                using var leaf = new X509Certificate2(certificate);
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(_pinnedRoots);
                if (platformChain is not null)
                    chain.ChainPolicy.ExtraStore.AddRange(platformChain.ChainPolicy.ExtraStore);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
                chain.ChainPolicy.DisableCertificateDownloads = true;
                if (_clock is not null)
                    chain.ChainPolicy.VerificationTime = _clock.UtcNow.ToLocalTime();
                if (!chain.Build(leaf))
                {
                    reason = "the server certificate does not chain to the pinned CA: "
                        + string.Join("; ", chain.ChainStatus.Select(s => s.Status + " " + s.StatusInformation.Trim()));
                }
            }

            if (reason is null)
                return true;
            ServerRejected = true;
            ServerRejectReason = reason;
            return false;
        }

        public MqttConnectResult Classify(Exception e)
        {
            if (ServerRejected)
                return MqttConnectResult.ServerNotTrusted;
            if (Reached is Stage.None or Stage.Dns or Stage.Tcp)
                return MqttConnectResult.NetworkError;

            // A broker that refuses the client certificate after its side of the handshake (the .NET SslStream
            // server does; RabbitMQ/OpenSSL send the alert inside the handshake) ends the TLS session before a
            // single MQTT byte, right after the handshake. A broker that accepted the session answers CONNECT
            // with CONNACK, refusals included; a real network loss in that window is rare and ends in a timeout,
            // not an immediate close.
            if (Reached == Stage.Established && _stream is { BytesRead: 0, ClosedByPeerAfterMs: >= 0 and <= PostHandshakeRefusalWindowMs })
                return MqttConnectResult.ClientCertificateRejected;

            string? alert = FindTlsAlert(e);
            if (alert is not null)
            {
                bool certificateAlert = alert is "bad certificate" or "unsupported certificate" or "certificate revoked"
                    or "certificate expired" or "certificate unknown" or "unknown ca" or "access denied" or "certificate required";
                // handshake_failure: what OpenSSL and Erlang servers send in TLS 1.2 when a required client
                // certificate is missing. It is also the generic "no common cipher" alert; with our fixed
                // TLS 1.2 ECDHE suites against our own brokers that is a configuration error, and treating it
                // as an identity failure (fallback broker) is the safer reading.
                bool missingCertificate = alert == "handshake failure";
                if (certificateAlert || missingCertificate)
                    return MqttConnectResult.ClientCertificateRejected;
            }
            return MqttConnectResult.NetworkError;
        }

        /// <summary>The TLS alert named in OpenSSL's error text anywhere in the exception chain ("... alert bad certificate").</summary>
        private static string? FindTlsAlert(Exception e)
        {
            for (Exception? x = e; x is not null; x = x.InnerException)
            {
                string message = x.Message;
                int at = message.IndexOf(" alert ", StringComparison.Ordinal);
                if (at < 0)
                    continue;
                string name = message[(at + " alert ".Length)..].Trim().TrimEnd('.').ToLowerInvariant();
                int end = name.IndexOfAny(['\n', '\r', ':', '(']);
                return (end >= 0 ? name[..end] : name).Trim();
            }
            return null;
        }

        private static SslStreamCertificateContext LoadClientCertificate(byte[] certificatePem, byte[] privateKeyPem)
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(Encoding.UTF8.GetString(certificatePem));
            if (certificates.Count == 0)
                throw new CryptographicException("the client certificate PEM holds no certificate");
            using var key = ECDsa.Create();
            key.ImportFromPem(Encoding.UTF8.GetString(privateKeyPem));
            X509Certificate2 leaf = certificates[0].CopyWithPrivateKey(key);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key: round-trip through PKCS#12 (not needed with OpenSSL).
                byte[] pfx = leaf.Export(X509ContentType.Pkcs12);
                leaf.Dispose();
                leaf = X509CertificateLoader.LoadPkcs12(pfx, null);
            }
            var chain = new X509Certificate2Collection();
            for (int i = 1; i < certificates.Count; i++)
                chain.Add(certificates[i]);
            // offline: build the chain from what we were given, never fetch anything.
            return SslStreamCertificateContext.Create(leaf, chain, offline: true);
        }
    }

    private enum Stage
    {
        None,
        Dns,
        Tcp,
        Tls,
        Established,
    }

    /// <summary>The TLS stream handed to MQTTnet; counts as one open session until disposed (once).</summary>
    private sealed class CountedStream : Stream
    {
        private readonly SslStream _inner;
        private readonly long _openedAt;
        private readonly TlsSessionCounter _sessions;
        private int _disposed;
        private long _bytesRead;
        private long _closedAfterMs = -1;

        public CountedStream(SslStream inner, long openedAt, TlsSessionCounter sessions)
        {
            _inner = inner;
            _openedAt = openedAt;
            _sessions = sessions;
            _sessions.Opened();
        }

        /// <summary>Application bytes received from the broker.</summary>
        public long BytesRead => Interlocked.Read(ref _bytesRead);

        /// <summary>Milliseconds from the handshake to the broker ending the stream (EOF, alert, reset); -1 while open.</summary>
        public long ClosedByPeerAfterMs => Interlocked.Read(ref _closedAfterMs);

        private int Count(int read)
        {
            if (read > 0)
                Interlocked.Add(ref _bytesRead, read);
            else
                MarkClosed();
            return read;
        }

        private void MarkClosed() => Interlocked.CompareExchange(ref _closedAfterMs, Environment.TickCount64 - _openedAt, -1);

        private async ValueTask<int> Counted(ValueTask<int> read)
        {
            try
            {
                return Count(await read.ConfigureAwait(false));
            }
            catch (IOException)
            {
                MarkClosed();
                throw;
            }
        }

        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return Count(_inner.Read(buffer, offset, count));
            }
            catch (IOException)
            {
                MarkClosed();
                throw;
            }
        }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Counted(_inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Counted(_inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken)).AsTask();
        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                try
                {
                    _inner.Dispose();
                }
                finally
                {
                    _sessions.Closed();
                }
            }
            base.Dispose(disposing);
        }
    }
}
