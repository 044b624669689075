using System.Text;
using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using Esp32.Virtual;
using Esp32.Virtual.Firmware;
using Esp32.Formats.AppImage;
using Esp32.Formats.Ota;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;

namespace NfBuild.VirtualDevice;

/// <summary>What the running device says about itself, read from its flash (through flash encryption).</summary>
/// <param name="Version">esp_app_desc_t.version of the app the bootloader booted.</param>
/// <param name="Slot">The OTA slot it booted (ota_N index).</param>
/// <param name="Serial">Serial (lower-case hex, DER INTEGER bytes) of the active identity's certificate in NVS.</param>
public sealed record RunningIdentity(string DeviceId, string Version, int Slot, int IdentitySlot, string Serial, DateTime NotAfter);

/// <summary>
/// Boots a provisioned virtual ESP32 and runs the firmware core on it: the bootloader picks the slot, NVS is
/// mounted (with NVS encryption), and the core's <see cref="DeviceApplication"/> (the very object Program.cs
/// runs on the board) is wired to the host platform: clock, NVS secure store, device keys and crypto on .NET,
/// MQTT over TLS on MQTTnet, reboot as a power cycle of the virtual chip. The main loop ticks it as the
/// device's main loop does; every state change is one log line.
/// Everything it reports (version, slot, serial) comes from the bytes in the device's flash: the booted
/// app's description and the certificate in NVS, never from a file beside flash.bin.
/// </summary>
public sealed class VirtualDeviceRunner : IDisposable
{
    /// <summary>How long the main loop sleeps between ticks (the board's loop also yields between passes).</summary>
    public const int TickIntervalMs = 10;

    /// <summary>
    /// esp_app_desc_t.project_name of a nanoCLR build whose network never comes up (a broken Wi-Fi driver, say). The
    /// virtual device runs the same core whatever the image holds, so it models that firmware: booted from such an
    /// image, the application never gets the network, and the self-test of a new pair holding it fails as it would on
    /// the board. The failure lives in the booted bytes (tests build the image so), not in a switch of the runner.
    /// </summary>
    public const string NoNetworkProjectName = "nanoCLR-no-network";

    private readonly Action<string> _log;
    private readonly string? _fleetDirectory;
    private MqttNetSession? _session;
    private HttpRangeDownloader? _downloader;

    private VirtualDeviceRunner(VirtualEsp32 device, Action<string> log, string? fleetDirectory)
    {
        Device = device;
        _log = log;
        _fleetDirectory = fleetDirectory;
    }

    public VirtualEsp32 Device { get; }

    public SystemClock Clock { get; } = new();

    /// <summary>This device's open TLS sessions (MQTT and HTTPS), across reboots: the chip has RAM for one.</summary>
    public TlsSessionCounter TlsSessions { get; } = new();

    public VirtualNvsSecureStore? Store { get; private set; }

    public RunningIdentity? Identity { get; private set; }

    /// <summary>The firmware core running on the device (after <see cref="Boot"/>).</summary>
    public DeviceApplication? Application { get; private set; }

    /// <summary>The core's state name ("online-primary", "online-fallback", "waiting-to-connect", ...), or "stopped".</summary>
    public string State => Application?.StateName ?? "stopped";

    /// <summary>Telemetry the loop enqueues by itself (0 = none); tests enqueue through <see cref="Application"/>.</summary>
    public TimeSpan TelemetryInterval { get; set; }

    /// <summary>
    /// The core's connection tunables (backoff, rejections before the fallback, ...) for every boot; null = the
    /// firmware's defaults (what `device run` and the board use). Tests and benchmarks shorten the delays.
    /// </summary>
    public ConnectionSettings? ConnectionSettings { get; set; }

    /// <summary>
    /// A fresh renewal policy for each boot (the policy keeps the retry schedule, which a reboot forgets as the board's
    /// RAM does); null = the firmware's defaults.
    /// </summary>
    public Func<RenewalPolicy>? RenewalPolicyFactory { get; set; }

    /// <summary>How long the renewal client waits for a response (the firmware's default: 60 s).</summary>
    public int RenewalTimeoutMs { get; set; } = 60 * 1000;

    /// <summary>
    /// OTA policy for each boot from (board, built version); null = the firmware's defaults (board lolin32, the
    /// booted app's version as the downgrade floor). Tests shorten the report windows.
    /// </summary>
    public Func<string, string, OtaSettings>? OtaSettingsFactory { get; set; }

    /// <summary>The device's HTTPS downloads (OTA manifest and parts): position and size per URL, across boots.</summary>
    public DownloadProgress Downloads { get; } = new();

    /// <summary>Boots so far (the first one included): an OTA reboot adds one.</summary>
    public int Boots { get; private set; }

    /// <summary>
    /// Loads flash.bin + efuses.json from <paramref name="directory"/>. With <paramref name="fleetDirectory"/>
    /// the device's endpoint entries in NVS are set from that fleet's fleet.json at boot (a development
    /// convenience, written into the device's NVS like a field configuration change: the core still reads
    /// only its NVS).
    /// </summary>
    public static VirtualDeviceRunner Load(string directory, Action<string> log, string? fleetDirectory = null) =>
        new(VirtualProvisioner.Load(directory), log, fleetDirectory);

    /// <summary>A runner for a device held in memory (<see cref="VirtualProvisioner.ProvisionInMemory"/>): a fleet simulation.</summary>
    public static VirtualDeviceRunner FromDevice(VirtualEsp32 device, Action<string> log, string? fleetDirectory = null) =>
        new(device, log, fleetDirectory);

    /// <summary>Power on: bootloader, NVS mount, the application object.</summary>
    public RunningIdentity Boot() => Start(PowerDown(() => Device.PowerOn()));

    /// <summary>
    /// The firmware asked for a reboot (<see cref="DeviceRebootException"/>: an OTA switch) or the chip rebooted
    /// inside a platform call (<see cref="VirtualRebootException"/>: a rollback): the RAM state is gone, the
    /// bootloader picks the slot, the application object is rebuilt on the booted pair.
    /// </summary>
    public RunningIdentity Restart(VirtualRebootException? alreadyRebooted = null) =>
        Start(PowerDown(() => alreadyRebooted?.Boot ?? Device.Reboot()));

    private BootReport PowerDown(Func<BootReport> boot)
    {
        // The previous firmware run is gone, with its TLS connections (MQTT and HTTPS).
        _session?.Dispose();
        _session = null;
        _downloader?.Dispose();
        _downloader = null;
        Application = null;
        return boot();
    }

    private RunningIdentity Start(BootReport boot)
    {
        Boots++;
        if (boot.RunningSlot is not { } slot || boot.RunningVersion is null)
            throw new InvalidOperationException("no bootable app in the flash (the chip would reset forever)");
        Store = new VirtualNvsSecureStore(Device.MountNvs());
        if (_fleetDirectory is not null)
            ApplyFleetEndpoints(_fleetDirectory);
        string id = Required(DeviceStoreKeys.DeviceId);
        DeviceTopics.ValidateDeviceId(id);
        int identitySlot = Required(DeviceStoreKeys.ActiveIdentity) == "1" ? 1 : 0;
        var certificate = IotDevice.Core.Identity.X509Certificate.Parse(Pem.Decode(Required(IdentityStore.SlotKey(identitySlot, DeviceStoreKeys.CertificateSuffix)), Pem.CertificateLabel));
        Identity = new RunningIdentity(id, boot.RunningVersion, slot.OtaIndex, identitySlot, certificate.SerialHex, certificate.NotAfter);
        _log($"booted: ota_{slot.OtaIndex} version {boot.RunningVersion}, flash encryption {(Device.Efuses.FlashEncryptionEnabled ? Device.Efuses.FlashEncryptionMode.ToString().ToLowerInvariant() : "off")}, NVS encryption {(Device.Settings.NvsEncryption ? "on" : "off")}, device {id}, identity slot {identitySlot} serial {Identity.Serial} not-after {Identity.NotAfter:yyyy-MM-ddTHH:mm:ssZ}");

        _session = new MqttNetSession(Clock, TlsSessions);
        // OTA downloads pin the same root as MQTT (ca_0): the firmware server's certificate is issued by the fleet CA.
        _downloader = new HttpRangeDownloader(X509Certificate2.CreateFromPem(Required(DeviceStoreKeys.RootCa0)), null, TlsSessions);
        var ota = new OtaPlatform(Downloads.Wrap(_downloader), new VirtualOtaSlotWriter(Device), new VirtualDeploySlots(Device), new VirtualOtaSlots(Device), OtaPlatform.DefaultBoard);
        var log = new LogAdapter(_log);
        Application = new DeviceApplication(Clock, Store, new HostDeviceKeys(Store), new HostCrypto(), _session,
            new CallbackRebooter(reason => _log("reboot: " + reason)), log, BuildTime(slot), boot.RunningVersion, slot.OtaIndex, ota,
            ConnectionSettings ?? new ConnectionSettings(), RenewalPolicyFactory?.Invoke() ?? new RenewalPolicy(), RenewalTimeoutMs,
            OtaSettingsFactory?.Invoke(OtaPlatform.DefaultBoard, boot.RunningVersion));
        bool brokenNetwork = BootedDescription(slot)?.ProjectName == NoNetworkProjectName;
        if (brokenNetwork)
            _log($"firmware {NoNetworkProjectName}: the network never comes up");
        Application.NetworkUp = !brokenNetwork; // the host's network; Wi-Fi association is the board's adapter's business
        return Identity;
    }

    /// <summary>The device's main loop until <paramref name="cancellation"/> fires; then an orderly stop (offline status, DISCONNECT).</summary>
    public void Run(CancellationToken cancellation)
    {
        if (Application is null)
            Boot();
        var app = Application!;
        DateTime nextTelemetry = DateTime.UtcNow + TelemetryInterval;
        int sequence = 0;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                try
                {
                    app.Tick();
                }
                catch (DeviceRebootException)
                {
                    Restart();
                    app = Application!;
                }
                catch (VirtualRebootException rebooted)
                {
                    Restart(rebooted);
                    app = Application!;
                }
                if (TelemetryInterval > TimeSpan.Zero && DateTime.UtcNow >= nextTelemetry)
                {
                    nextTelemetry = DateTime.UtcNow + TelemetryInterval;
                    app.EnqueueTelemetry(Encoding.UTF8.GetBytes($"{{\"seq\":{++sequence},\"uptime_ms\":{Environment.TickCount64}}}"));
                }
                // While the updater streams (manifest, download, re-hash, verify) the loop does not yield for a tick
                // interval: on the board the download is paced by the network and the flash, not by a sleep.
                cancellation.WaitHandle.WaitOne(Streaming(app) ? 0 : TickIntervalMs);
            }
        }
        finally
        {
            app.Shutdown();
            _log("stopped");
        }
    }

    private static bool Streaming(DeviceApplication app) =>
        app.Updater?.Phase is OtaPhase.Checking or OtaPhase.Rehashing or OtaPhase.Downloading or OtaPhase.Verifying;

    /// <summary>esp_app_desc_t's build date and time of the booted app, from the flash.</summary>
    private DateTime BuildTime(AppSlot slot)
    {
        var description = BootedDescription(slot);
        return description is null ? DateTime.MinValue : AppBuildTime.Parse(description.Date, description.Time) ?? DateTime.MinValue;
    }

    /// <summary>esp_app_get_description of the booted app, from the flash.</summary>
    private AppDescription? BootedDescription(AppSlot slot)
    {
        PartitionView partition = Device.OpenPartition("ota_" + slot.OtaIndex);
        // esp_app_desc_t is the start of the first segment's data (image header 24 bytes + segment header 8 bytes),
        // as esp_app_get_description reads it: the bootloader already verified the whole image.
        byte[] head = new byte[0x20 + 256];
        partition.Read(0, head);
        return AppDescription.TryRead(head.AsSpan(0x20));
    }

    private void ApplyFleetEndpoints(string fleetDirectory)
    {
        var (primary, fallback) = ReadFleetEndpoints(fleetDirectory);
        if (primary is { Count: > 0 })
            Store!.SetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.PrimaryEndpoints, string.Join(",", primary.Select(e => $"{e.Item1}:{e.Item2}")));
        if (fallback is { Count: > 0 })
            Store!.SetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.FallbackEndpoints, string.Join(",", fallback.Select(e => $"{e.Item1}:{e.Item2}")));
    }

    private string Required(string key) =>
        Store!.GetString(DeviceStoreKeys.Namespace, key) ?? throw new InvalidOperationException($"NVS {DeviceStoreKeys.Namespace}/{key} is missing: the device is not provisioned");

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

    /// <summary>The core's log, one line per call.</summary>
    private sealed class LogAdapter(Action<string> log) : IDeviceLog
    {
        public void Info(string message) => log(message);
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

    public void Dispose()
    {
        _session?.Dispose();
        _downloader?.Dispose();
    }
}
