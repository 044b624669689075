using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Fleet;
using NfBuild.Renewal;

namespace NfBuild.Simulation;

public enum SimulationBackendKind
{
    Embedded,
    RabbitMq,
}

/// <summary>
/// The fleet's backend for the length of one simulation, started after the simulated devices are registered (so the
/// brokers' users include them): the brokers, the renewal service with the real <see cref="RenewalAuthority"/>, and for a
/// rollout the firmware server (embedded: the backend's Kestrel server; RabbitMQ: the fleet's Apache). Stopped at the end.
/// </summary>
public abstract class SimulationBackend : IAsyncDisposable
{
    private ApacheServer? _apache;

    protected SimulationBackend(FleetDirectory fleet, Action<string> log)
    {
        Fleet = fleet;
        Log = log;
    }

    public FleetDirectory Fleet { get; }

    protected Action<string> Log { get; }

    public abstract string Name { get; }

    /// <summary>The renewal authority behind the service (its Decided event counts issued / committed certificates).</summary>
    public RenewalAuthority Authority { get; protected set; } = null!;

    public static SimulationBackend Create(SimulationBackendKind kind, FleetDirectory fleet, Action<string> log) => kind switch
    {
        SimulationBackendKind.Embedded => new EmbeddedSimulationBackend(fleet, log),
        _ => new RabbitMqSimulationBackend(fleet, log),
    };

    /// <summary>Starts the brokers and the renewal service; with <paramref name="firmwarePort"/> (a rollout: the port of the
    /// release's URLs) also the firmware server on that port.</summary>
    public abstract Task StartAsync(int? firmwarePort, CancellationToken cancel);

    /// <summary>
    /// The RabbitMQ backend's firmware server: the fleet's Apache from `backend apache write` (written with the defaults,
    /// port 18443, when the fleet has none), which must listen on the port the release's URLs name.
    /// </summary>
    protected async Task StartApacheAsync(int port, CancellationToken cancel)
    {
        if (!ApacheServer.IsInstalled())
            throw new BackendException(ApacheServer.NotInstalledMessage);
        var layout = new ApacheLayout(Fleet);
        if (!File.Exists(layout.ConfigFile))
            ApacheConfigWriter.Write(Fleet, new ApacheWriteOptions { Port = port });
        int listen = ApacheConfigWriter.ReadListen(layout.ConfigFile).Port;
        if (listen != port)
            throw new BackendException($"the release's URLs name port {port} but the fleet's Apache ({layout.ConfigFile}) listens on {listen}: run `backend apache write --port {port}` or create the release with that server's --base-url");
        _apache = await ApacheServer.StartAsync(layout, cancel: cancel).ConfigureAwait(false);
        Log($"firmware server: Apache on {_apache.Endpoint}");
    }

    protected abstract ValueTask StopBrokersAsync();

    public async ValueTask DisposeAsync()
    {
        if (_apache is not null)
        {
            await _apache.StopAsync().ConfigureAwait(false);
            _apache.Dispose();
        }
        if (Authority is not null)
            Log(Authority.Timings.Summary());
        await StopBrokersAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The embedded backend (nf-build/EmbeddedBackend) in this process, renewal authority in-process.</summary>
public sealed class EmbeddedSimulationBackend(FleetDirectory fleet, Action<string> log) : SimulationBackend(fleet, log)
{
    private EmbeddedBackend.EmbeddedBackend? _backend;
    private RenewalCommitBatcher? _commits;

    public override string Name => "embedded";

    public override async Task StartAsync(int? firmwarePort, CancellationToken cancel)
    {
        var passwords = new DeferredPasswords();
        Authority = new RenewalAuthority(Fleet, passwords: passwords);
        // Status committed in batches, as the RabbitMQ renewal service does (one CRL signing and registry write per batch).
        _commits = new RenewalCommitBatcher(Authority);
        _backend = await EmbeddedBackend.EmbeddedBackend.StartAsync(Fleet, new EmbeddedBackend.EmbeddedBackendOptions
        {
            Renewal = new AuthorityRenewalHandler(Authority, _commits),
            // The embedded firmware server (Kestrel, the fleet's document root) only when a release is rolled out.
            FirmwareServer = firmwarePort is not null,
            FirmwarePort = firmwarePort,
        }).ConfigureAwait(false);
        passwords.Target = _backend;
        Log($"embedded backend: primary :{_backend.Primary.Port}, fallback :{_backend.Fallback.Port}" + (firmwarePort is { } p ? $", firmware server (Kestrel) :{p}" : ""));
    }

    protected override async ValueTask StopBrokersAsync()
    {
        if (_backend is not null)
            await _backend.DisposeAsync().ConfigureAwait(false);
        // After the endpoints' renewal loops stopped handing status over: commits what is queued (the user table stays).
        if (_commits is not null)
            await _commits.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The authority is made before the backend it rotates passwords on.</summary>
    private sealed class DeferredPasswords : IFallbackPasswordSetter
    {
        public IFallbackPasswordSetter? Target { get; set; }

        public void SetFallbackPasswordHash(string deviceId, string passwordHash) =>
            (Target ?? throw new InvalidOperationException("embedded backend not started")).SetFallbackPasswordHash(deviceId, passwordHash);
    }
}

/// <summary>
/// The fleet's two RabbitMQ nodes (`backend rabbitmq write` + `start`: definitions from the registry, so the simulated
/// devices are users) and the renewal service on both (AMQPS, <see cref="RenewalServiceHost"/>), as `backend renewal` runs it.
/// </summary>
public sealed class RabbitMqSimulationBackend(FleetDirectory fleet, Action<string> log) : SimulationBackend(fleet, log)
{
    private RabbitMqBackend? _backend;
    private readonly List<RenewalServiceHost> _services = [];
    private RenewalCommitBatcher? _commits;

    public override string Name => "rabbitmq";

    public RabbitMqBackend Nodes => _backend ?? throw new InvalidOperationException("not started");

    public override async Task StartAsync(int? firmwarePort, CancellationToken cancel)
    {
        if (firmwarePort is { } port)
            await StartApacheAsync(port, cancel).ConfigureAwait(false);
        RabbitMqConfigWriter.Write(Fleet);
        _backend = await RabbitMqBackend.StartAsync(Fleet, cancel: cancel).ConfigureAwait(false);
        Log(_backend.PrimaryPeers.Count == 0
            ? $"rabbitmq: {_backend.Primary.NodeName} and {_backend.Fallback.NodeName} up"
            : $"rabbitmq: primary cluster {string.Join(", ", _backend.PrimaryNodes.Select(n => n.NodeName))} and {_backend.Fallback.NodeName} up");
        foreach (var step in _backend.ClusterFormation)
            Log("rabbitmq: cluster: " + step);
        Authority = new RenewalAuthority(Fleet, passwords: new BrokerFallbackPasswords(_backend.FallbackAdmin));
        // As `backend renewal` runs it: status commits batched (one CRL signing, one import_definitions, one registry
        // write per window), the request consumer never waits for a commit.
        _commits = new RenewalCommitBatcher(Authority);
        var handler = new AuthorityRenewalHandler(Authority, _commits);
        string host = HostOf(Fleet.Settings.PrimaryEndpoints.FirstOrDefault() ?? "localhost:0");
        foreach (var role in BrokerRoleExtensions.Both)
        {
            var service = new RenewalServiceHost(Fleet, RenewalEndpoint.Of(Fleet, role, host), handler);
            await service.StartAsync().ConfigureAwait(false);
            _services.Add(service);
        }
        Log("rabbitmq: renewal service consuming on both nodes");
    }

    private static string HostOf(string endpoint) => endpoint[..endpoint.LastIndexOf(':')].Trim('[', ']');

    protected override async ValueTask StopBrokersAsync()
    {
        foreach (var s in _services)
            Log($"renewal service {s.Name}: {s.TimingSummary()}");
        foreach (var s in _services)
            await s.DisposeAsync().ConfigureAwait(false);
        if (_commits is not null)
            await _commits.DisposeAsync().ConfigureAwait(false);
        if (_backend is not null)
            await _backend.DisposeAsync().ConfigureAwait(false);
    }
}
