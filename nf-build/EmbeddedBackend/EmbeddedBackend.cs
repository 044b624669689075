using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Backend;
using NfBuild.Fleet;

namespace NfBuild.EmbeddedBackend;

public sealed record EmbeddedBackendOptions
{
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;
    /// <summary>Null: fleet.json's primary MQTTS port; 0: any free port.</summary>
    public int? PrimaryPort { get; init; }
    /// <summary>Null: fleet.json's fallback MQTTS port; 0: any free port.</summary>
    public int? FallbackPort { get; init; }
    public CrlCheckMode CrlCheck { get; init; } = CrlCheckMode.BestEffort;
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
    /// <summary>The renewal service hung off both endpoints in-process (null: requests go nowhere, as with no consumer).</summary>
    public IRenewalHandler? Renewal { get; init; }
    public Action<string>? Log { get; init; }
    /// <summary>Also serve the fleet's firmware document root over HTTPS (<see cref="EmbeddedFirmwareServer"/>).</summary>
    public bool FirmwareServer { get; init; } = true;
    /// <summary>Null: 18443 (the port of ReleasePaths.DefaultBaseUrl); 0: any free port.</summary>
    public int? FirmwarePort { get; init; }
}

/// <summary>
/// The fleet's broker in one process: the primary endpoint (mutual TLS, certificate login, vhost iot) and the fallback
/// endpoint (server-authenticated TLS, password login, vhost fallback), each an MQTTnet server with the users and
/// permissions of <see cref="BrokerRules"/>, the renewal service hung off both. README "Embedded backend".
/// </summary>
public sealed class EmbeddedBackend : IAsyncDisposable, NfBuild.Renewal.IFallbackPasswordSetter
{
    private readonly FleetDirectory _fleet;
    private readonly FleetClientCertificates _clients;

    private EmbeddedBackend(FleetDirectory fleet, FleetClientCertificates clients, EmbeddedEndpoint primary, EmbeddedEndpoint fallback, EmbeddedFirmwareServer? firmware)
    {
        _fleet = fleet;
        _clients = clients;
        Primary = primary;
        Fallback = fallback;
        Firmware = firmware;
    }

    public EmbeddedEndpoint Primary { get; }
    public EmbeddedEndpoint Fallback { get; }

    /// <summary>The HTTPS firmware server (null when <see cref="EmbeddedBackendOptions.FirmwareServer"/> is off).</summary>
    public EmbeddedFirmwareServer? Firmware { get; }

    public EmbeddedEndpoint this[BrokerRole role] => role == BrokerRole.Primary ? Primary : Fallback;

    public static async Task<EmbeddedBackend> StartAsync(FleetDirectory fleet, EmbeddedBackendOptions? options = null)
    {
        options ??= new EmbeddedBackendOptions();
        foreach (var (path, what) in new[] { (fleet.CaBundle, "CA bundle"), (fleet.ServerCertificate, "broker certificate chain"), (fleet.ServerKey, "broker key") })
        {
            if (!File.Exists(path))
                throw new BackendException($"{what} {path} does not exist");
        }
        var (server, chain) = LoadServerCertificate(fleet);
        var clients = new FleetClientCertificates(fleet, options.CrlCheck);
        var devices = fleet.Registry.Load().Devices;
        var settings = fleet.Settings;
        var primary = new EmbeddedEndpoint(BrokerRole.Primary, settings.PrimaryVhost, BrokerRules.Users(BrokerRole.Primary, devices), options.Renewal, options.Log,
            new TlsMqttServerAdapter(server, chain, ClientCertificateMode.Required, clients.Check, options.Protocols, options.BindAddress, options.PrimaryPort ?? settings.Ports.PrimaryMqtts));
        var fallback = new EmbeddedEndpoint(BrokerRole.Fallback, settings.FallbackVhost, BrokerRules.Users(BrokerRole.Fallback, devices), options.Renewal, options.Log,
            new TlsMqttServerAdapter(server, chain, ClientCertificateMode.Optional, clients.Check, options.Protocols, options.BindAddress, options.FallbackPort ?? settings.Ports.FallbackMqtts));
        await primary.StartAsync();
        await fallback.StartAsync();
        EmbeddedFirmwareServer? firmware = null;
        if (options.FirmwareServer)
        {
            try
            {
                firmware = await EmbeddedFirmwareServer.StartAsync(fleet, new EmbeddedFirmwareServerOptions { BindAddress = options.BindAddress, Port = options.FirmwarePort, Protocols = options.Protocols });
            }
            catch
            {
                await primary.DisposeAsync();
                await fallback.DisposeAsync();
                clients.Dispose();
                throw;
            }
        }
        return new EmbeddedBackend(fleet, clients, primary, fallback, firmware);
    }

    /// <summary>Re-reads the registry: removed or revoked devices lose their user and their live connections (as deleting
    /// a RabbitMQ user closes them), a changed fallback password applies to the next login.</summary>
    public async Task ReloadRegistryAsync()
    {
        var devices = _fleet.Registry.Load().Devices;
        await Primary.ReplaceUsersAsync(BrokerRules.Users(BrokerRole.Primary, devices));
        await Fallback.ReplaceUsersAsync(BrokerRules.Users(BrokerRole.Fallback, devices));
    }

    /// <summary>The renewal authority's commit: the fallback endpoint's user gets the new password hash (the registry
    /// already holds it). A device without a fallback user yet gets one.</summary>
    public void SetFallbackPasswordHash(string deviceId, string passwordHash)
    {
        if (!Fallback.SetPasswordHash(deviceId, passwordHash))
            ReloadRegistryAsync().GetAwaiter().GetResult();
    }

    /// <summary>pki/server.pem (leaf, then the issuing CA) with pki/server.key, re-imported through PKCS#12 for SslStream on Linux.</summary>
    internal static (X509Certificate2 Server, X509Certificate2[] Chain) LoadServerCertificate(FleetDirectory fleet)
    {
        using var pem = X509Certificate2.CreateFromPemFile(fleet.ServerCertificate, fleet.ServerKey);
        var server = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(fleet.ServerCertificate);
        var chain = all.Where(c => c.Thumbprint != server.Thumbprint).ToArray();
        return (server, chain);
    }

    public async ValueTask DisposeAsync()
    {
        if (Firmware is not null)
            await Firmware.DisposeAsync();
        await Primary.DisposeAsync();
        await Fallback.DisposeAsync();
        _clients.Dispose();
    }
}
