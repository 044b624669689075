using NfBuild.Fleet;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Tests.Fleet;

namespace NfBuild.Tests.Backend.Apache;

/// <summary>A fleet and its firmware server (real Apache) on a free loopback port.</summary>
internal sealed class FirmwareServer : IAsyncDisposable
{
    public FleetWorkspace Ws { get; } = new();
    public ApacheLayout Layout { get; }
    public ApacheServer Server { get; private set; } = null!;
    public int Port { get; }
    public Uri Base => new($"https://localhost:{Port}/");

    private FirmwareServer(bool requireClientCert)
    {
        // Started as root, the workers run as www-data: the test folder above the fleet must be searchable.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Ws.Dir, File.GetUnixFileMode(Ws.Dir) | UnixFileMode.OtherExecute);
        Ws.Init();
        Port = FreePort();
        var args = new List<string> { "backend", "apache", "write", Ws.FleetDir, "--port", Port.ToString() };
        if (requireClientCert)
            args.Add("--require-client-cert");
        Ws.Ok(args.ToArray());
        Layout = new ApacheLayout(FleetDirectory.Open(Ws.FleetDir));
    }

    public static async Task<FirmwareServer> StartAsync(bool requireClientCert = false)
    {
        var s = new FirmwareServer(requireClientCert);
        s.Server = await ApacheServer.StartAsync(s.Layout);
        return s;
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public string Publish(string relativePath, byte[] bytes)
    {
        string path = Path.Combine(Layout.DocumentRoot, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    /// <summary>An HTTPS client that trusts only <paramref name="rootPem"/> (the device's pinned root), optionally with a client certificate.</summary>
    public static HttpClient Client(string rootPem, X509Certificate2? clientCert = null)
    {
        var root = X509Certificate2.CreateFromPem(File.ReadAllText(rootPem));
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, sent, errors) =>
                {
                    if (cert is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    // The intermediate the server sent (leaf then issuing CA, from pki/server.pem); the root only from the pin.
                    if (sent is not null)
                        foreach (var element in sent.ChainElements)
                            chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    return chain.Build(new X509Certificate2(cert));
                },
                ClientCertificates = clientCert is null ? null : new X509CertificateCollection { clientCert },
                LocalCertificateSelectionCallback = clientCert is null ? null : (_, _, _, _, _) => clientCert,
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.StopAsync();
            Server.Dispose();
        }
        Ws.Dispose();
    }
}
