namespace NfBuild.Backend.Apache;

/// <summary>How `backend apache write` configures the firmware server.</summary>
public sealed record ApacheWriteOptions
{
    public const int DefaultPort = 18443;

    /// <summary>Listen address (loopback by default: expose it deliberately).</summary>
    public string BindAddress { get; init; } = "127.0.0.1";
    public int Port { get; init; } = DefaultPort;
    /// <summary>ServerName; must be a SAN of pki/server.pem for clients that check host names.</summary>
    public string ServerName { get; init; } = "localhost";
    /// <summary>SSLVerifyClient require at vhost level with pki/ca-bundle.pem: only holders of a fleet certificate download.</summary>
    public bool RequireClientCertificate { get; init; }
    /// <summary>User the worker processes switch to when the server is started as root (Apache refuses to serve as root).</summary>
    public string RunUser { get; init; } = "www-data";
    public string RunGroup { get; init; } = "www-data";
}
