using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Esp32.Virtual;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Host.Adapters;

namespace NfBuild.VirtualDevice;

/// <summary>What the running device says about itself, read from its flash (through flash encryption).</summary>
/// <param name="Version">esp_app_desc_t.version of the app the bootloader booted.</param>
/// <param name="Slot">The OTA slot it booted (ota_N index).</param>
/// <param name="Serial">Serial (lower-case hex, DER INTEGER bytes) of the active identity's certificate in NVS.</param>
public sealed record RunningIdentity(string DeviceId, string Version, int Slot, int IdentitySlot, string Serial, DateTime NotAfter);

/// <summary>
/// Boots a provisioned virtual ESP32 and runs it against the brokers: mounts NVS, builds the host platform
/// (clock, NVS secure store, device keys, crypto, MQTT session, rebooter) and keeps the device online on its
/// primary broker with its active identity, falling back to the password broker when the certificate is
/// refused, logging one line per state change.
/// <para>
/// This is the stand-in loop until the core's DeviceApplication (branch <c>core</c>) is merged; it uses only
/// the platform interfaces, so swapping the loop for DeviceApplication leaves the platform wiring as it is.
/// Everything it reports (version, slot, serial) comes from the bytes in the device's flash: the booted app's
/// description and the certificate in the NVS, never from a file beside flash.bin.
/// </para>
/// </summary>
public sealed class VirtualDeviceRunner : IDisposable
{
    public const string Namespace = "iotdev";

    private readonly Action<string> _log;
    private readonly List<(string Host, int Port)>? _primaryOverride;
    private readonly List<(string Host, int Port)>? _fallbackOverride;
    private MqttNetSession? _session;
    private string? _state;
    private volatile bool _lost;

    private VirtualDeviceRunner(VirtualEsp32 device, Action<string> log, string? fleetDirectory)
    {
        Device = device;
        _log = log;
        if (fleetDirectory is not null)
            (_primaryOverride, _fallbackOverride) = ReadFleetEndpoints(fleetDirectory);
    }

    public VirtualEsp32 Device { get; }

    public SystemClock Clock { get; } = new();

    public VirtualNvsSecureStore? Store { get; private set; }

    public RunningIdentity? Identity { get; private set; }

    /// <summary>The current state word ("booted", "connecting", "online-primary", "online-fallback", "offline", "stopped").</summary>
    public string? State => _state;

    /// <summary>Loads flash.bin + efuses.json from <paramref name="directory"/>; <paramref name="fleetDirectory"/> (optional)
    /// supplies development endpoints from fleet.json in place of the provisioned ones (tests pick free ports).</summary>
    public static VirtualDeviceRunner Load(string directory, Action<string> log, string? fleetDirectory = null) =>
        new(VirtualProvisioner.Load(directory), log, fleetDirectory);

    /// <summary>Power on: bootloader, NVS mount, identity from NVS.</summary>
    public RunningIdentity Boot()
    {
        BootReport boot = Device.PowerOn();
        if (boot.RunningSlot is not { } slot || boot.RunningVersion is null)
            throw new InvalidOperationException("no bootable app in the flash (the chip would reset forever)");
        Store = new VirtualNvsSecureStore(Device.MountNvs());
        string id = Required("dev_id");
        DeviceTopics.ValidateDeviceId(id);
        int identitySlot = Required("id_act") == "1" ? 1 : 0;
        using var certificate = X509Certificate2.CreateFromPem(Required($"id{identitySlot}_crt"));
        Identity = new RunningIdentity(id, boot.RunningVersion, slot.OtaIndex, identitySlot, certificate.SerialNumber.ToLowerInvariant(), certificate.NotAfter.ToUniversalTime());
        SetState("booted", $"ota_{slot.OtaIndex} version {boot.RunningVersion}, flash encryption {(Device.Efuses.FlashEncryptionEnabled ? Device.Efuses.FlashEncryptionMode.ToString().ToLowerInvariant() : "off")}, NVS encryption {(Device.Settings.NvsEncryption ? "on" : "off")}, device {id}, identity slot {identitySlot} serial {Identity.Serial} not-after {Identity.NotAfter:yyyy-MM-ddTHH:mm:ssZ}");
        return Identity;
    }

    /// <summary>Runs until <paramref name="cancellation"/> fires: connect, publish status, stay online, reconnect with backoff.</summary>
    public void Run(CancellationToken cancellation)
    {
        if (Identity is null)
            Boot();
        var identity = Identity!;
        var topics = new DeviceTopics(identity.DeviceId);
        var backoff = new ReconnectBackoff(500, 30_000, new Random());
        using var session = new MqttNetSession(Clock);
        _session = session;
        session.ConnectionLost += (_, _) => _lost = true;
        session.MessageReceived += (_, m) => _log($"message on {m.Topic} ({m.Payload.Length} bytes)");
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                if (!session.IsConnected)
                {
                    SetState("connecting", null);
                    string? online = TryConnect(session, identity, topics);
                    if (online is null)
                    {
                        SetState("offline", session.LastError);
                        cancellation.WaitHandle.WaitOne(backoff.NextDelayMs());
                        continue;
                    }
                    backoff.Reset();
                    _lost = false;
                    session.Subscribe(online == "online-primary" ? topics.Commands : topics.RenewResponse);
                    session.Publish(topics.Status, Status(identity, "online"), retain: true);
                    SetState(online, null);
                }
                cancellation.WaitHandle.WaitOne(200);
                if (_lost)
                    SetState("connection-lost", session.LastError);
            }
        }
        finally
        {
            if (session.IsConnected)
            {
                session.Publish(topics.Status, Status(identity, "offline"), retain: true);
                session.Disconnect();
            }
            _session = null;
            SetState("stopped", null);
        }
    }

    /// <summary>Primary endpoints with the certificate; on an identity failure the fallback with the password.</summary>
    private string? TryConnect(MqttNetSession session, RunningIdentity identity, DeviceTopics topics)
    {
        byte[] pinned = Encoding.UTF8.GetBytes(Required("ca_0") + (Store!.GetString(Namespace, "ca_1") ?? ""));
        var will = new MqttWill(topics.Status, Status(identity, "offline"), retain: true);
        string n = identity.IdentitySlot.ToString();
        var certificate = MqttCredentials.FromCertificate(identity.DeviceId,
            Encoding.UTF8.GetBytes(Required($"id{n}_crt") + Required($"id{n}_chain")), Encoding.UTF8.GetBytes(Required($"id{n}_key")));
        bool identityFailure = false;
        foreach (var (host, port) in _primaryOverride ?? ParseEndpoints(Store.GetString(Namespace, "ep_primary")))
        {
            MqttConnectResult result = session.Connect(new MqttEndpoint(host, port, pinned), certificate, will);
            _log($"primary {host}:{port}: {result}{(result == MqttConnectResult.Connected ? "" : " (" + session.LastError + ")")}");
            if (result == MqttConnectResult.Connected)
                return "online-primary";
            identityFailure |= result is MqttConnectResult.ClientCertificateRejected or MqttConnectResult.NotAuthorized;
        }
        // Threat: the password broker is used only when the certificate itself was refused, never because the
        // primary is unreachable (an attacker who blocks the primary must not push devices onto the weaker login).
        if (!identityFailure)
            return null;
        string? user = Store.GetString(Namespace, "fb_user");
        string? password = Store.GetString(Namespace, $"id{n}_fbpw");
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
            return null;
        foreach (var (host, port) in _fallbackOverride ?? ParseEndpoints(Store.GetString(Namespace, "ep_fallback")))
        {
            MqttConnectResult result = session.Connect(new MqttEndpoint(host, port, pinned), MqttCredentials.FromPassword(identity.DeviceId, user, password), will);
            _log($"fallback {host}:{port}: {result}{(result == MqttConnectResult.Connected ? "" : " (" + session.LastError + ")")}");
            if (result == MqttConnectResult.Connected)
                return "online-fallback";
        }
        return null;
    }

    private static byte[] Status(RunningIdentity identity, string state) => Encoding.UTF8.GetBytes(
        "iotdevice-status-v1\n" +
        $"state={state}\n" +
        $"version={identity.Version}\n" +
        $"slot={identity.Slot}\n" +
        $"serial={identity.Serial}\n" +
        $"not-after={identity.NotAfter:yyyy-MM-ddTHH:mm:ssZ}\n" +
        "renewal=none\nota=none\ndropped=0\ntakeovers=0\n");

    private void SetState(string state, string? detail)
    {
        if (state == _state)
            return;
        _state = state;
        _log(detail is null ? state : $"{state}: {detail}");
    }

    private string Required(string key) =>
        Store!.GetString(Namespace, key) ?? throw new InvalidOperationException($"NVS {Namespace}/{key} is missing: the device is not provisioned");

    public static List<(string Host, int Port)> ParseEndpoints(string? list)
    {
        var endpoints = new List<(string, int)>();
        foreach (string item in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = item.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(item[(colon + 1)..], out int port) || port is <= 0 or > 65535)
                throw new FormatException($"endpoint '{item}' is not host:port");
            endpoints.Add((item[..colon], port));
        }
        return endpoints;
    }

    private static (List<(string, int)>?, List<(string, int)>?) ReadFleetEndpoints(string fleetDirectory)
    {
        string path = Path.Combine(fleetDirectory, "fleet.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"no fleet settings at {path}", path);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        List<(string, int)>? Read(string name) =>
            json.RootElement.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
                ? ParseEndpoints(string.Join(",", array.EnumerateArray().Select(e => e.GetString())))
                : null;
        return (Read("primaryEndpoints"), Read("fallbackEndpoints"));
    }

    public void Dispose() => _session?.Dispose();
}
