using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace NfBuild.Tests.HostAdapters;

/// <summary>
/// A real MQTT broker (MQTTnet.Server 5.2) in-process behind real TLS on 127.0.0.1. The TLS listener is
/// this class's own server adapter so that, like RabbitMQ, the broker sends its certificate chain (leaf +
/// issuing CA: MQTTnet's built-in TLS endpoint sends only what the OS store can complete) and checks client
/// certificates during the handshake against a test root (chain, EKU clientAuth, expiry), as
/// <c>verify_peer</c> + <c>fail_if_no_peer_cert</c> do.
/// </summary>
public sealed class TlsTestBroker : IAsyncDisposable
{
    private readonly TlsServerAdapter _adapter;

    private TlsTestBroker(MqttServer server, TlsServerAdapter adapter)
    {
        Server = server;
        _adapter = adapter;
    }

    public MqttServer Server { get; }

    public int Port => _adapter.Port;

    /// <summary>CONNECTs the broker validated (clean session, credentials, client certificate).</summary>
    public ConcurrentQueue<ValidatingConnectionEventArgs> Connects { get; } = new();

    /// <summary>Cuts every client's TCP connection without any MQTT or TLS goodbye (a network loss).</summary>
    public void DropConnections() => _adapter.DropConnections();

    /// <summary>Why the broker's TLS layer refused a client (one line per refusal).</summary>
    public ConcurrentQueue<string> TlsRefusals => _adapter.Refusals;

    /// <param name="server">Broker certificate with private key, issued by <paramref name="issuing"/>.</param>
    /// <param name="clientRoot">Root the client certificates must chain to; null: no client certificate asked.</param>
    /// <param name="login">CONNECT check (username/password); null accepts everyone who passed TLS.</param>
    public static async Task<TlsTestBroker> StartAsync(X509Certificate2 server, X509Certificate2 issuing, X509Certificate2? clientRoot,
        Func<ValidatingConnectionEventArgs, MqttConnectReasonCode>? login = null, SslProtocols protocols = SslProtocols.Tls12)
    {
        var adapter = new TlsServerAdapter(server, issuing, clientRoot, protocols);
        var options = new MqttServerOptionsBuilder().WithoutDefaultEndpoint().WithPersistentSessions().Build();
        var mqtt = new MqttServerFactory().CreateMqttServer(options, [adapter]);
        var broker = new TlsTestBroker(mqtt, adapter);
        mqtt.ValidatingConnectionAsync += e =>
        {
            broker.Connects.Enqueue(e);
            e.ReasonCode = login?.Invoke(e) ?? MqttConnectReasonCode.Success;
            return Task.CompletedTask;
        };
        await mqtt.StartAsync();
        return broker;
    }

    /// <summary>Stops the broker: every client connection drops.</summary>
    public Task StopAsync() => Server.StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (Server.IsStarted)
            await Server.StopAsync();
        Server.Dispose();
        _adapter.Dispose();
    }

    /// <summary>A port nobody listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class TlsServerAdapter : IMqttServerAdapter
    {
        private static readonly Oid ClientAuth = new(TestPki.ClientAuth);
        private readonly SslStreamCertificateContext _serverContext;
        private readonly X509Certificate2? _clientRoot;
        private readonly SslProtocols _protocols;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
        private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

        public TlsServerAdapter(X509Certificate2 server, X509Certificate2 issuing, X509Certificate2? clientRoot, SslProtocols protocols)
        {
            _serverContext = SslStreamCertificateContext.Create(server, [issuing], offline: true);
            _clientRoot = clientRoot;
            _protocols = protocols;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public ConcurrentQueue<string> Refusals { get; } = new();

        public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

        public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
        {
            _logger = logger;
            _ = Task.Run(AcceptLoop);
            return Task.CompletedTask;
        }

        private int _stopped;

        public Task StopAsync()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
                return Task.CompletedTask;
            _stop.Cancel();
            _listener.Stop();
            foreach (var connection in _connections.Keys)
                connection.Dispose();
            return Task.CompletedTask;
        }

        public void Dispose() => StopAsync();

        public void DropConnections()
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Client.LingerState = new LingerOption(true, 0); // RST, like a vanished peer
                connection.Dispose();
            }
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient tcp;
                try
                {
                    tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }
                _ = Task.Run(() => Serve(tcp));
            }
        }

        private async Task Serve(TcpClient tcp)
        {
            _connections[tcp] = 0;
            try
            {
                var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _serverContext,
                        ClientCertificateRequired = _clientRoot is not null,
                        RemoteCertificateValidationCallback = _clientRoot is null ? null : ValidateClient,
                        EnabledSslProtocols = _protocols,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        // A resumed session carries no client certificate to the .NET server's callback.
                        AllowTlsResume = false,
                    }, _stop.Token);
                }
                catch (Exception e)
                {
                    Refusals.Enqueue("handshake: " + e.GetType().Name + ": " + e.Message);
                    await ssl.DisposeAsync();
                    return;
                }

                X509Certificate2? clientCertificate = ssl.RemoteCertificate is { } rc ? new X509Certificate2(rc) : null;
                var channel = new MqttTcpChannel(ssl, tcp.Client.RemoteEndPoint!, tcp.Client.LocalEndPoint!, clientCertificate!);
                var adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(4096, 65535)), _logger);
                try
                {
                    if (ClientHandler is { } handler)
                        await handler(adapter);
                }
                finally
                {
                    adapter.Dispose();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // the client or the broker went away
            }
            finally
            {
                _connections.TryRemove(tcp, out _);
                tcp.Dispose();
            }
        }

        /// <summary>Broker-side client certificate check: chain to the test root only, clientAuth, valid now.</summary>
        private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? platformChain, SslPolicyErrors errors)
        {
            if (certificate is null)
            {
                Refusals.Enqueue("no client certificate");
                return false;
            }
            using var leaf = new X509Certificate2(certificate);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_clientRoot!);
            if (platformChain is not null)
                chain.ChainPolicy.ExtraStore.AddRange(platformChain.ChainPolicy.ExtraStore);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
            chain.ChainPolicy.DisableCertificateDownloads = true;
            if (chain.Build(leaf))
                return true;
            Refusals.Enqueue("client certificate " + leaf.Subject + ": " + string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString())));
            return false;
        }
    }
}
