using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Release;
using NfBuild.Fleet;
using NfBuild.Renewal;
using NfBuild.Tests.Backend;
using Xunit;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// [Fact] for the end-to-end tests on real RabbitMQ: skipped with the reason when rabbitmq-server is missing, except
/// on CI (CI=true), where a missing broker is a failure (the test runs and the fixture reports why it cannot start).
/// </summary>
public sealed class EndToEndFactAttribute : FactAttribute
{
    public EndToEndFactAttribute()
    {
        if (!RabbitMqNode.IsInstalled() && !IsCi)
            Skip = "needs RabbitMQ: " + RabbitMqNode.NotInstalledMessage + " (on CI, CI=true, this is a failure)";
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// One fleet made by the Fleet library (fleet.json on free loopback ports BEFORE any device is added, so the
/// endpoints written into each device's NVS point at them), both RabbitMQ nodes of that fleet and the renewal
/// service (the real <see cref="RenewalAuthority"/> behind a <see cref="RenewalServiceHost"/> on each node; the
/// fallback node's admin rotates passwords on commit), started once for the whole EndToEnd collection: node start
/// and the renewal service's connections take seconds, and the classes of the collection run one after another.
/// Every device the tests use is added before the nodes start, so the nodes' definitions carry their users.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    /// <summary>Expired yesterday (within the grace period): the full renewal cycle.</summary>
    public const string Expired = "e2e-expired";
    /// <summary>Valid, but inside the renewal window: renews proactively over the primary (its old certificate stays date-valid).</summary>
    public const string Due = "e2e-due";
    /// <summary>Valid for a year: the outage tests.</summary>
    public const string Steady = "e2e-steady";
    /// <summary>Expired devices for the recovery benchmark, one per run.</summary>
    public static readonly string[] Bench = ["e2e-bench-1", "e2e-bench-2", "e2e-bench-3", "e2e-bench-4", "e2e-bench-5"];
    /// <summary>Valid for a year, updated over the air from the fleet's Apache (OtaEndToEndTests).</summary>
    public const string Ota = "e2e-ota";
    /// <summary>Registered, never started (no subscription queue): `release rollout` gets its PUBACK, nobody installs.</summary>
    public const string NeverRuns = "e2e-never-runs";
    /// <summary>Revoked in the registry: `release rollout` refuses it.</summary>
    public const string Revoked = "e2e-revoked";
    /// <summary>Valid for a year, never runs firmware: sends renewal requests straight over MQTT (RenewalScalingTests).</summary>
    public const string RenewalLoad = "e2e-renewal-load";
    /// <summary>OTA benchmark devices, one per run.</summary>
    public static readonly string[] OtaBench = ["e2e-ota-bench-1", "e2e-ota-bench-2", "e2e-ota-bench-3"];

    private readonly ConcurrentQueue<string> _serviceLog = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private RabbitMqBackend? _backend;
    private RabbitMqNode? _restartedPrimary;
    private RenewalServiceHost? _primaryService, _fallbackService;
    private RenewalCommitBatcher? _commits;
    private string? _startError;
    private int _observers;
    private ApacheServer? _apache;
    private readonly SemaphoreSlim _apacheLock = new(1, 1);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "nfb-e2e-" + Guid.NewGuid().ToString("N")[..10]);
    public FleetDirectory Fleet { get; private set; } = null!;
    public Dictionary<string, TestDevice> Devices { get; } = new();
    public RenewalAuthority Authority { get; private set; } = null!;

    public RabbitMqBackend Backend => _backend ?? throw new InvalidOperationException("RabbitMQ is not running: " + (_startError ?? RabbitMqNode.NotInstalledMessage));
    /// <summary>The primary node process (a new one after <see cref="RestartPrimaryAsync"/>).</summary>
    public RabbitMqNode Primary => _restartedPrimary ?? Backend.Primary;
    public RabbitMqNode Fallback => Backend.Fallback;
    public FleetPorts Ports => Fleet.Settings.Ports;

    /// <summary>Endpoint host: the loopback address, in the server certificate's IP SAN (FleetInitOptions' default broker hosts).</summary>
    public const string Host = "127.0.0.1";

    public async Task InitializeAsync()
    {
        var fleet = FleetInitializer.Create(Root, new FleetInitOptions { Name = "e2e-fleet" });
        var free = TestFleet.FreePorts(7);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        settings.PrimaryEndpoints = [$"{Host}:{free[0]}"];
        settings.FallbackEndpoints = [$"{Host}:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        // The release key before any device: provisioning then puts release.pub.pem into each device's NVS rel_pubkey.
        ReleaseKey.Generate(Root);
        Fleet = FleetDirectory.Open(Root);

        var now = DateTimeOffset.UtcNow;
        AddDevice(Expired, now.AddDays(-1));
        AddDevice(Due, now.AddDays(10));
        AddDevice(Steady, now.AddYears(1));
        foreach (var id in Bench)
            AddDevice(id, now.AddDays(-1));
        AddDevice(Ota, now.AddYears(1));
        foreach (var id in OtaBench)
            AddDevice(id, now.AddYears(1));
        AddDevice(NeverRuns, now.AddYears(1));
        AddDevice(RenewalLoad, now.AddYears(1));
        AddDevice(Revoked, now.AddYears(1));
        DeviceRevocation.Revoke(Fleet, Revoked);

        RabbitMqConfigWriter.Write(Fleet);
        if (!RabbitMqNode.IsInstalled())
        {
            _startError = RabbitMqNode.NotInstalledMessage;
            return; // skipped, or failed by the tests on CI
        }
        var sw = Stopwatch.StartNew();
        try
        {
            _backend = await RabbitMqBackend.StartAsync(Fleet);
        }
        catch (BackendException ex)
        {
            _startError = ex.Message;
            throw;
        }
        Log($"fixture: both nodes up in {sw.ElapsedMilliseconds} ms");

        Authority = new RenewalAuthority(Fleet, passwords: new BrokerFallbackPasswords(_backend.FallbackAdmin));
        Authority.Decided += d => Log("authority: " + d);
        // As `backend renewal` runs it: status commits batched, the request consumer never waits for a commit.
        _commits = new RenewalCommitBatcher(Authority, log: line => Log("service: " + line));
        var handler = new AuthorityRenewalHandler(Authority, _commits);
        _primaryService = new RenewalServiceHost(Fleet, RenewalEndpoint.Of(Fleet, BrokerRole.Primary, Host), handler, line => Log("service: " + line));
        _fallbackService = new RenewalServiceHost(Fleet, RenewalEndpoint.Of(Fleet, BrokerRole.Fallback, Host), handler, line => Log("service: " + line));
        await _primaryService.StartAsync();
        await _fallbackService.StartAsync();
        Log($"fixture: renewal service on both nodes after {sw.ElapsedMilliseconds} ms");
    }

    private void AddDevice(string id, DateTimeOffset notAfter)
    {
        var result = DeviceProvisioning.AddDevice(Fleet, new AddDeviceOptions { DeviceId = id, NotAfter = notAfter });
        var bundle = DeviceBundle.Open(Fleet, id);
        Devices[id] = new TestDevice(id, File.ReadAllText(Path.Combine(bundle.Directory, DeviceBundle.CertificateFile)), bundle.ReadPrivateKeyPem(),
            bundle.ReadFallbackPassword(), result.Record.Serial);
    }

    public void Log(string line) => _serviceLog.Enqueue($"{_clock.Elapsed.TotalSeconds,8:F3} {line}");

    /// <summary>Everything the renewal service and the authority logged since <paramref name="skip"/> lines.</summary>
    public IReadOnlyList<string> ServiceLog(int skip = 0) => _serviceLog.Skip(skip).ToList();
    public int ServiceLogCount => _serviceLog.Count;

    /// <summary>
    /// A new observer identity: a certificate of the fleet's PKI for CN observer-&lt;n&gt; and a certificate-login user on
    /// the primary that may only read telemetry and status keys (no writes) and only use its own subscription queues.
    /// Added with rabbitmqctl import_definitions from an owner-only file (the node's environment and cookie).
    /// </summary>
    public async Task<Observer> NewObserverAsync()
    {
        string name = $"observer-{Interlocked.Increment(ref _observers)}";
        string queues = $"mqtt-subscription-{name}qos[01]";
        // Threat (test identity): reads telemetry and status of any device, publishes nothing (write matches no key).
        await AddPrimaryCertificateUserAsync(name, configure: $"^{queues}$", write: $"^{queues}$", read: $"^(amq\\.topic|{queues})$",
            topicWrite: "^$", topicRead: "^devices\\.(\\*|[a-z0-9-]{1,32})\\.(telemetry|status)$");
        return Observer.Create(this, name);
    }

    /// <summary>A certificate-login user (no password) on the primary, imported with rabbitmqctl from an owner-only file.</summary>
    private async Task AddPrimaryCertificateUserAsync(string name, string configure, string write, string read, string topicWrite, string topicRead)
    {
        string vhost = Fleet.Settings.PrimaryVhost;
        var definitions = new
        {
            users = new[] { new { name, password_hash = "", hashing_algorithm = FallbackPasswords.HashingAlgorithm, tags = Array.Empty<string>() } },
            permissions = new[] { new { user = name, vhost, configure, write, read } },
            topic_permissions = new[] { new { user = name, vhost, exchange = "amq.topic", write = topicWrite, read = topicRead } },
        };
        string file = Path.Combine(Primary.Options.StateDir, $"import-{name}.json");
        SecureFiles.Write(file, JsonSerializer.SerializeToUtf8Bytes(definitions), SecureFiles.Secret);
        try
        {
            await Primary.CtlOrThrowAsync("import_definitions", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The fleet's firmware server (real Apache, `backend apache write` on a free port), started on first use.</summary>
    public async Task<ApacheLayout> FirmwareServerAsync()
    {
        await _apacheLock.WaitAsync();
        try
        {
            var layout = new ApacheLayout(Fleet);
            if (_apache is null)
            {
                ApacheConfigWriter.Write(Fleet, new ApacheWriteOptions { Port = TestFleet.FreePorts(1)[0] });
                _apache = await ApacheServer.StartAsync(layout);
            }
            return layout;
        }
        finally
        {
            _apacheLock.Release();
        }
    }

    /// <summary>The firmware server's base URL (https://localhost:&lt;port&gt;/, the server certificate's DNS name).</summary>
    public string FirmwareBaseUrl => $"https://localhost:{ApacheConfigWriter.ReadListen(new ApacheLayout(Fleet).ConfigFile).Port}/";

    /// <summary>Stops the primary node cleanly and starts it again from the same configuration and data (users, durable queues, retained messages persist).</summary>
    public async Task RestartPrimaryAsync(TimeSpan downtime)
    {
        var options = Primary.Options;
        await Primary.StopAsync();
        Log("fixture: primary stopped");
        await Task.Delay(downtime);
        var node = RabbitMqNode.Start(options);
        if (_restartedPrimary is { } previous)
            previous.Dispose();
        _restartedPrimary = node;
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        Log("fixture: primary started again");
    }

    /// <summary>Live MQTT connections of <paramref name="user"/> on a node (rabbitmqctl list_mqtt_connections: 3.10's
    /// list_connections shows only AMQP; MQTT sessions are direct connections of the MQTT plugin).</summary>
    public static async Task<int> ConnectionsOfAsync(RabbitMqNode node, string user) =>
        (await MqttConnectionsAsync(node)).Count(c => c.User == user);

    /// <summary>
    /// The broker drops the MQTT connection(s) of <paramref name="clientId"/> (as a node's connection reset or a load
    /// balancer would): the MQTT plugin's own close (rabbit_mqtt_reader:close_connection, what
    /// rabbit_mqtt:close_all_client_connections does per connection). 3.10's close_all_user_connections and
    /// close_all_connections do not reach MQTT sessions (they are the plugin's, not rabbit_networking's). Returns how
    /// many were closed.
    /// </summary>
    public static async Task<int> DropMqttConnectionsAsync(RabbitMqNode node, string clientId)
    {
        // Threat (test helper): the id goes into Erlang code; only the device-id alphabet is accepted.
        // 3.10's collector keeps client ids as Erlang strings: [{"dev-a", Pid}].
        if (!DeviceIds.IsValid(clientId))
            throw new ArgumentException($"'{clientId}' is not a device id", nameof(clientId));
        string code = $"length([rabbit_mqtt_reader:close_connection(P, \"e2e: connection dropped\") || {{\"{clientId}\", P}} <- rabbit_mqtt_collector:list()]).";
        var r = await node.CtlAsync(["eval", code], TimeSpan.FromSeconds(30));
        if (!r.Ok || !int.TryParse(r.Output.Trim(), out int closed))
            throw new BackendException($"closing the MQTT connections of {clientId} on {node.NodeName} failed, {r.Describe()}");
        if (closed == 0)
        {
            var all = await node.CtlAsync(["eval", "rabbit_mqtt_collector:list()."], TimeSpan.FromSeconds(30));
            throw new BackendException($"no MQTT connection of {clientId} on {node.NodeName}; the MQTT plugin's client ids: {all.Output.Trim()} {all.Error.Trim()}");
        }
        return closed;
    }

    public static async Task<IReadOnlyList<(string User, string ClientId)>> MqttConnectionsAsync(RabbitMqNode node)
    {
        var r = await node.CtlAsync(["list_mqtt_connections", "user", "client_id", "--quiet", "--no-table-headers"], TimeSpan.FromSeconds(30));
        if (!r.Ok)
            throw new BackendException($"list_mqtt_connections on {node.NodeName} failed, {r.Describe()}");
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t'))
            .Select(f => (f[0], f.Length > 1 ? f[1] : ""))
            .ToList();
    }

    public async Task DisposeAsync()
    {
        if (_apache is not null)
        {
            await _apache.StopAsync();
            _apache.Dispose();
        }
        if (_primaryService is not null)
            await _primaryService.DisposeAsync();
        if (_fallbackService is not null)
            await _fallbackService.DisposeAsync();
        if (_commits is not null)
            await _commits.DisposeAsync();
        if (_restartedPrimary is not null)
        {
            await _restartedPrimary.StopAsync();
            _restartedPrimary.Dispose();
        }
        if (_backend is not null)
            await _backend.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Runs alone (not next to the other collections): the outage test restarts a node and the benchmark measures
/// latency, both on 2 shared cores; the Backend collection's own two nodes would otherwise run at the same time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "EndToEnd on RabbitMQ";
}
