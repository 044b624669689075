using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Fleet;
using NfBuild.Renewal;
using Embedded = NfBuild.EmbeddedBackend.EmbeddedBackend;
using EmbeddedOptions = NfBuild.EmbeddedBackend.EmbeddedBackendOptions;

namespace NfBuild.Demo;

/// <summary>
/// What the demo talks to: the fleet's primary and fallback brokers (fleet.json's endpoints), its renewal service (the
/// real <see cref="RenewalAuthority"/>) and an HTTPS firmware server on the fleet's document root. Either everything in
/// this process (<see cref="StartEmbeddedAsync"/>) or RabbitMQ + Apache on loopback (<see cref="StartRabbitMqAsync"/>).
/// </summary>
public sealed class DemoBackend : IAsyncDisposable
{
    private readonly List<Func<ValueTask>> _stops = [];

    private DemoBackend(string description, Uri firmwareBaseUrl)
    {
        Description = description;
        FirmwareBaseUrl = firmwareBaseUrl;
    }

    /// <summary>One line: brokers, firmware server, renewal service.</summary>
    public string Description { get; private set; }

    /// <summary>https://localhost:&lt;port&gt;/ : the base URL releases are created with.</summary>
    public Uri FirmwareBaseUrl { get; }

    /// <summary>Null when everything needed is there; otherwise the message naming the Debian packages.</summary>
    public static string? MissingPrerequisites(DemoBackendKind kind)
    {
        if (kind == DemoBackendKind.Embedded)
            return null;
        var missing = new List<string>();
        if (!RabbitMqNode.IsInstalled())
            missing.Add("rabbitmq-server");
        if (!ApacheServer.IsInstalled())
            missing.Add("apache2");
        return missing.Count == 0 ? null
            : $"--backend rabbitmq needs RabbitMQ 3.10 and Apache 2.4 from Debian's packages; not installed: {string.Join(", ", missing)} (apt-get install {string.Join(" ", missing)}); the default embedded backend needs nothing but the .NET SDK";
    }

    /// <summary>Free loopback ports for fleet.json (the demo never takes the development defaults: a real broker may be on them).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners)
                l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners)
                l.Stop();
        }
    }

    /// <summary>The embedded backend: both MQTT endpoints on fleet.json's ports, the Kestrel firmware server on a free port,
    /// the renewal authority in-process (a commit rotates the fallback user's password on the embedded fallback).</summary>
    public static async Task<DemoBackend> StartEmbeddedAsync(FleetDirectory fleet, Action<string> log)
    {
        var passwords = new DeferredPasswords();
        var authority = new RenewalAuthority(fleet, passwords: passwords);
        authority.Decided += d => log("renewal service: " + d);
        var embedded = await Embedded.StartAsync(fleet, new EmbeddedOptions
        {
            Renewal = new AuthorityRenewalHandler(authority),
            FirmwarePort = 0,
            ExtraPrimaryUsers = [DemoObserver.User],
        });
        passwords.Target = embedded;
        var firmware = embedded.Firmware!;
        var backend = new DemoBackend(
            $"embedded: primary mqtts://127.0.0.1:{embedded.Primary.Port} (mTLS), fallback mqtts://127.0.0.1:{embedded.Fallback.Port} (password), firmware {firmware.BaseUrl}, renewal service in-process",
            firmware.BaseUrl);
        backend._stops.Add(embedded.DisposeAsync);
        return backend;
    }

    /// <summary>
    /// RabbitMQ + Apache as `backend rabbitmq write/start`, `backend renewal` and `backend apache write/start` run them, on
    /// fleet.json's (free) ports: the two nodes, the renewal service on both (AMQPS, certificate login; the fallback node's
    /// admin rotates passwords on commit), Apache on a free port; the observer's user imported on the primary.
    /// </summary>
    public static async Task<DemoBackend> StartRabbitMqAsync(FleetDirectory fleet, Action<string> log, CancellationToken cancel = default)
    {
        if (MissingPrerequisites(DemoBackendKind.RabbitMq) is { } missing)
            throw new DemoStepException(missing);
        RabbitMqConfigWriter.Write(fleet);
        var rabbit = await RabbitMqBackend.StartAsync(fleet, cancel: cancel);
        var stops = new List<Func<ValueTask>> { rabbit.DisposeAsync };
        try
        {
            await ImportObserverAsync(fleet, rabbit.Primary);
            var authority = new RenewalAuthority(fleet, passwords: new BrokerFallbackPasswords(rabbit.FallbackAdmin));
            authority.Decided += d => log("renewal service: " + d);
            var handler = new AuthorityRenewalHandler(authority);
            foreach (var role in new[] { BrokerRole.Primary, BrokerRole.Fallback })
            {
                var host = new RenewalServiceHost(fleet, RenewalEndpoint.Of(fleet, role, "127.0.0.1"), handler);
                await host.StartAsync();
                stops.Insert(0, host.DisposeAsync);
            }
            ApacheConfigWriter.Write(fleet, new ApacheWriteOptions { Port = FreePorts(1)[0] });
            var apache = await ApacheServer.StartAsync(new ApacheLayout(fleet));
            stops.Insert(0, async () => { await apache.StopAsync(); apache.Dispose(); });
            var ports = fleet.Settings.Ports;
            var baseUrl = new Uri($"https://localhost:{apache.Endpoint.Port}/");
            var backend = new DemoBackend(
                $"RabbitMQ: primary node {rabbit.Primary.NodeName} mqtts://127.0.0.1:{ports.PrimaryMqtts}, fallback node {rabbit.Fallback.NodeName} mqtts://127.0.0.1:{ports.FallbackMqtts}, renewal service over AMQPS, Apache {baseUrl}",
                baseUrl);
            backend._stops.AddRange(stops);
            return backend;
        }
        catch
        {
            foreach (var stop in stops)
                await stop();
            throw;
        }
    }

    /// <summary>The observer's certificate-login user on the primary node (rabbitmqctl import_definitions from an owner-only file).</summary>
    private static async Task ImportObserverAsync(FleetDirectory fleet, RabbitMqNode primary)
    {
        var rights = DemoObserver.Rights;
        var (configure, write, read) = rights.ResourcePermissions;
        string vhost = fleet.Settings.PrimaryVhost;
        var definitions = new
        {
            users = new[] { new { name = DemoObserver.Name, password_hash = "", hashing_algorithm = FallbackPasswords.HashingAlgorithm, tags = Array.Empty<string>() } },
            permissions = new[] { new { user = DemoObserver.Name, vhost, configure, write, read } },
            topic_permissions = new[] { new { user = DemoObserver.Name, vhost, exchange = BrokerRules.Exchange, write = rights.Write.Regex, read = rights.Read.Regex } },
        };
        string file = Path.Combine(primary.Options.StateDir, $"import-{DemoObserver.Name}.json");
        SecureFiles.Write(file, JsonSerializer.SerializeToUtf8Bytes(definitions), SecureFiles.Secret);
        try
        {
            await primary.CtlOrThrowAsync("import_definitions", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stop in _stops)
        {
            try
            {
                await stop();
            }
            catch (Exception)
            {
                // Stopping is best effort: the rest must still stop.
            }
        }
        _stops.Clear();
    }

    /// <summary>The renewal authority needs its password setter before the embedded backend (which is that setter) exists.</summary>
    private sealed class DeferredPasswords : IFallbackPasswordSetter
    {
        public Embedded? Target { get; set; }

        public void SetFallbackPasswordHash(string deviceId, string passwordHash) =>
            (Target ?? throw new InvalidOperationException("embedded backend not started")).SetFallbackPasswordHash(deviceId, passwordHash);
    }
}
