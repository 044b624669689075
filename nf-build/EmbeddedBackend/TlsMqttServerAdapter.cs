using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace NfBuild.EmbeddedBackend;

/// <summary>Whether the TLS listener asks for a client certificate and whether one is required.</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate is asked for.</summary>
    None,
    /// <summary>Asked for; a certificate that is sent is checked, none is fine (Erlang ssl: verify_peer, fail_if_no_peer_cert false).</summary>
    Optional,
    /// <summary>Asked for and required (verify_peer, fail_if_no_peer_cert true).</summary>
    Required,
}

/// <summary>
/// MQTTnet.Server's TLS listener replaced by an own one, because MQTTnet's endpoint (1) sends only what the OS store can
/// complete of the server chain, not the issuing CA with the leaf as RabbitMQ does, and (2) hands a resumed TLS session
/// no client certificate. This one sends leaf + chain (<see cref="SslStreamCertificateContext"/>), never resumes sessions
/// (RabbitMQ's reuse_sessions = false: a resumed session would skip the certificate check), and checks a client
/// certificate in the handshake with <c>validate</c> (null = accepted, else the refusal reason).
/// </summary>
public sealed class TlsMqttServerAdapter : IMqttServerAdapter
{
    private readonly SslStreamCertificateContext _serverContext;
    private readonly ClientCertificateMode _mode;
    private readonly Func<X509Certificate2, X509Chain?, string?>? _validate;
    private readonly SslProtocols _protocols;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;
    private int _stopped;

    /// <param name="server">Server certificate with its private key.</param>
    /// <param name="chain">Sent after the leaf (the issuing CA).</param>
    /// <param name="validate">Client certificate check (chain as the platform built it, may be null); null result = accepted.</param>
    public TlsMqttServerAdapter(X509Certificate2 server, IEnumerable<X509Certificate2> chain, ClientCertificateMode mode,
        Func<X509Certificate2, X509Chain?, string?>? validate, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        IPAddress? bind = null, int port = 0)
    {
        if (mode != ClientCertificateMode.None && validate is null)
            throw new ArgumentException("a client certificate mode needs a validator", nameof(validate));
        _serverContext = SslStreamCertificateContext.Create(server, new X509Certificate2Collection(chain.ToArray()), offline: true);
        _mode = mode;
        _validate = validate;
        _protocols = protocols;
        _listener = new TcpListener(bind ?? IPAddress.Loopback, port);
        _listener.Start();
        Address = ((IPEndPoint)_listener.LocalEndpoint).Address;
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>Why the TLS layer refused a client (one line per refusal).</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _logger = logger;
        _ = Task.Run(AcceptLoop);
        return Task.CompletedTask;
    }

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

    /// <summary>Cuts every client's TCP connection without any MQTT or TLS goodbye (a network loss).</summary>
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
                    ClientCertificateRequired = _mode != ClientCertificateMode.None,
                    RemoteCertificateValidationCallback = _mode == ClientCertificateMode.None ? null : ValidateClient,
                    EnabledSslProtocols = _protocols,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
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
            // the client or the server went away
        }
        finally
        {
            _connections.TryRemove(tcp, out _);
            tcp.Dispose();
        }
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? platformChain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            if (_mode == ClientCertificateMode.Optional)
                return true;
            Refusals.Enqueue("no client certificate");
            return false;
        }
        using var leaf = new X509Certificate2(certificate);
        string? refusal = _validate!(leaf, platformChain);
        if (refusal is null)
            return true;
        Refusals.Enqueue("client certificate " + leaf.Subject + ": " + refusal);
        return false;
    }
}
