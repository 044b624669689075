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
using NfBuild.EmbeddedBackend;

namespace NfBuild.Tests.HostAdapters;

/// <summary>
/// A real MQTT broker (MQTTnet.Server 5.2) in-process behind real TLS on 127.0.0.1. The TLS listener is
/// the embedded backend's <see cref="TlsMqttServerAdapter"/> so that, like RabbitMQ, the broker sends its certificate chain (leaf +
/// issuing CA: MQTTnet's built-in TLS endpoint sends only what the OS store can complete) and checks client
/// certificates during the handshake against a test root (chain, EKU clientAuth, expiry), as
/// <c>verify_peer</c> + <c>fail_if_no_peer_cert</c> do.
/// </summary>
public sealed class TlsTestBroker : IAsyncDisposable
{
    private readonly TlsMqttServerAdapter _adapter;

    private TlsTestBroker(MqttServer server, TlsMqttServerAdapter adapter)
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
        var adapter = clientRoot is null
            ? new TlsMqttServerAdapter(server, [issuing], ClientCertificateMode.None, null, protocols)
            : new TlsMqttServerAdapter(server, [issuing], ClientCertificateMode.Required, (leaf, chain) => ValidateClient(leaf, chain, clientRoot), protocols);
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

    /// <summary>Broker-side client certificate check: chain to the test root only, clientAuth, valid now.</summary>
    private static string? ValidateClient(X509Certificate2 leaf, X509Chain? platformChain, X509Certificate2 clientRoot)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clientRoot);
        if (platformChain is not null)
            chain.ChainPolicy.ExtraStore.AddRange(platformChain.ChainPolicy.ExtraStore);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TestPki.ClientAuth));
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(leaf) ? null : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()));
    }
}
