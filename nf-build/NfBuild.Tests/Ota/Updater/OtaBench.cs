using NfBuild.VirtualDevice;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Esp32.Formats.AppImage;
using Esp32.Formats.Efuse;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashImage;
using Esp32.Virtual;
using Esp32.Virtual.Firmware;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;
using NfBuild.Tests.Virtual;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>A signed release as the release tooling publishes it: manifest.txt, manifest.sig, app.bin, deploy.bin.</summary>
internal sealed record TestRelease(string Version, int SecureVersion, byte[] App, byte[] Deploy, byte[] Manifest, byte[] Signature, string ManifestUrl);

/// <summary>A settable clock for the self-test window.</summary>
internal sealed class ManualClock : IClock
{
    public DateTime UtcNow { get; set; } = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public bool IsSynchronized => true;
}

/// <summary>
/// The application side: "MQTT" open or closed as the updater asks, and the status publishes it reports
/// (to the primary broker when <see cref="PrimaryReachable"/>). The MQTT session itself is not modelled:
/// these tests are about flash, HTTPS and the boot decisions; the connection manager is another branch's.
/// </summary>
internal sealed class BenchHost(TlsSessionCounter tls) : IOtaHost
{
    /// <summary>The bench's TLS sessions (its downloader's; the MQTT session is not modelled).</summary>
    public TlsSessionCounter Tls => tls;

    public bool MqttOpen { get; private set; } = true;

    public List<string> Words { get; } = [];

    public bool NewWord { get; set; } = true;

    public int TlsPeakWhileDownloading { get; private set; }

    public void ReleaseNetwork()
    {
        MqttOpen = false;
        Tls.ResetPeak();
    }

    public void RestoreNetwork()
    {
        TlsPeakWhileDownloading = Math.Max(TlsPeakWhileDownloading, Tls.Peak);
        MqttOpen = true;
    }

    public void OtaStatusChanged(string word)
    {
        Words.Add(word);
        NewWord = true;
    }
}

/// <summary>
/// A provisioned virtual Lolin32 (product partition table, pair 0 = release 1.0.0) running the firmware core's
/// <see cref="OtaUpdater"/> on the virtual adapters, against an in-process HTTPS firmware server.
/// </summary>
internal sealed class OtaBench
{
    public const string Board = "lolin32";

    private readonly ECDsa _releaseKey;
    private readonly X509Certificate2 _root;
    private readonly TestFirmwareServer _server;
    private readonly Dictionary<string, TestRelease> _releases = [];

    public OtaBench(TestFirmwareServer server, X509Certificate2 root, ECDsa releaseKey, SecuritySettings settings, VirtualEsp32 chip)
    {
        _server = server;
        _root = root;
        _releaseKey = releaseKey;
        Settings = settings;
        Chip = chip;
        Host = new BenchHost(Tls);
    }

    public VirtualEsp32 Chip { get; private set; }

    /// <summary>The TLS sessions of this device's firmware runs (each run's downloader counts here).</summary>
    public TlsSessionCounter Tls { get; } = new();

    public SecuritySettings Settings { get; }

    public ManualClock Clock { get; } = new();

    public BenchHost Host { get; private set; }

    /// <summary>Every OTA word reported, across reboots.</summary>
    public List<string> AllWords { get; } = [];

    public List<string> Log { get; } = [];

    public OtaUpdater Updater { get; private set; } = null!;

    public VirtualNvsSecureStore Store { get; private set; } = null!;

    public bool PrimaryReachable { get; set; } = true;

    public int ChunkSize { get; set; } = 4096;

    public static TestRelease MakeRelease(TestFirmwareServer server, ECDsa key, string version, int secureVersion = 0, int codeBytes = 60 * 1024, int deployBytes = 64 * 1024, Func<byte[], byte[]>? tamperApp = null)
    {
        var code = new byte[codeBytes];
        new Random(version.GetHashCode()).NextBytes(code);
        byte[] app = new AppImageBuilder(new AppDescription { Version = version, SecureVersion = (uint)secureVersion, ProjectName = "nanoCLR", IdfVersion = "v5.5.4" })
            .AddSegment(0x40080000, code).Build();
        if (tamperApp is not null)
            app = tamperApp(app);
        var deploy = new byte[deployBytes];
        new Random(version.GetHashCode() + 1).NextBytes(deploy);
        string dir = $"releases/{version}/";
        string appUrl = server.Put(dir + "app.bin", app);
        string deployUrl = server.Put(dir + "deploy.bin", deploy);
        byte[] manifest = new ReleaseManifest(version, secureVersion, Board,
            ReleasePart.Download(ReleasePart.AppName, app.Length, Convert.ToHexStringLower(SHA256.HashData(app)), appUrl),
            ReleasePart.Download(ReleasePart.DeployName, deploy.Length, Convert.ToHexStringLower(SHA256.HashData(deploy)), deployUrl)).ToBytes();
        byte[] signature = key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        string manifestUrl = server.Put(dir + "manifest.txt", manifest);
        server.Put(dir + "manifest.sig", signature);
        return new TestRelease(version, secureVersion, app, deploy, manifest, signature, manifestUrl);
    }

    /// <summary>A chip with <paramref name="first"/> in pair 0 (plaintext image, encrypted by its first boot when configured), NVS with the release key and rel_0.</summary>
    public static VirtualEsp32 Provision(SecuritySettings settings, TestRelease first, ECDsa releaseKey)
    {
        byte[] image = new FlashImageBuilder(TestDevices.ProductTable).WithPartition("ota_0", first.App).WithPartition("deploy_0", first.Deploy).Build();
        var chip = new VirtualEsp32(FlashChip.FromImage(image), new Esp32Efuses(), settings);
        chip.PowerOn();
        var store = new VirtualNvsSecureStore(chip.MountNvs());
        store.SetString(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleasePublicKey, releaseKey.ExportSubjectPublicKeyInfoPem());
        store.SetString(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleaseOf(0), first.Version);
        return chip;
    }

    public void Know(TestRelease release) => _releases[release.Version] = release;

    /// <summary>The firmware starts: adapters over the booted chip, a fresh updater (RAM state is gone).</summary>
    private HttpRangeDownloader? _downloader;

    public void StartFirmware()
    {
        // The previous firmware run is gone (reboot or power loss): so are its TLS connections.
        _downloader?.Dispose();
        _downloader = new HttpRangeDownloader(_root, TimeSpan.FromSeconds(10), Tls);
        if (Host is not null)
            AllWords.AddRange(Host.Words);
        Store = new VirtualNvsSecureStore(Chip.MountNvs());
        var settings = new OtaSettings(Board, "1.0.0") { ChunkSize = ChunkSize, ReportWindowSeconds = 5, RetryDelaySeconds = 1 };
        Host = new BenchHost(Tls);
        Updater = new OtaUpdater(settings, Host, _downloader, new VirtualOtaSlotWriter(Chip), new VirtualDeploySlots(Chip),
            new VirtualOtaSlots(Chip), Store, new HostCrypto(), Clock, new CallbackRebooter(_ => { }), new ListLog(Log));
    }

    /// <summary>
    /// The main loop until the updater is idle ("idle"), the firmware rebooted ("reboot": the chip rebooted and
    /// the firmware restarted), or the budget ran out ("stuck"). A power cut propagates as <see cref="PowerCutException"/>.
    /// </summary>
    public string Run(int maxTicks = 10000)
    {
        for (int i = 0; i < maxTicks; i++)
        {
            try
            {
                Updater.Tick();
            }
            catch (DeviceRebootException)
            {
                Chip.Reboot();
                StartFirmware();
                return "reboot";
            }
            catch (VirtualRebootException)
            {
                StartFirmware(); // the chip already rebooted inside esp_ota_mark_app_invalid_rollback_and_reboot
                return "reboot";
            }
            // The app publishes its retained status after connecting and whenever the OTA word changes.
            if (Host.MqttOpen && Host.NewWord && PrimaryReachable)
            {
                Host.NewWord = false;
                Updater.OnStatusPublished(true);
            }
            Clock.UtcNow = Clock.UtcNow.AddMilliseconds(500);
            if (Updater.Phase == OtaPhase.Idle)
                return "idle";
        }
        return "stuck";
    }

    /// <summary>Triggers and runs until the new pair confirmed itself or the update ended otherwise; the OTA words seen.</summary>
    public List<string> Update(TestRelease release)
    {
        Know(release);
        int from = AllWords.Count + Host.Words.Count;
        Assert(Updater.Trigger(release.ManifestUrl), "trigger refused: " + Updater.Status);
        for (int round = 0; round < 4; round++)
        {
            if (Run() == "idle")
                break;
        }
        return [.. AllWords.Concat(Host.Words).Skip(from)];
    }

    public string RunningVersion => Chip.LastBoot?.RunningVersion ?? "(nothing boots)";

    /// <summary>Power off for good: closes what the firmware had open.</summary>
    public void Shutdown() => _downloader?.Dispose();

    public int RunningPair => Chip.RunningSlot!.Value.OtaIndex;

    /// <summary>The running pair is complete: its app booted (the bootloader verified it) and its deploy partition holds that release's managed code.</summary>
    public string? PairProblem()
    {
        if (Chip.RunningSlot is not { IsOta: true } slot)
            return "no app boots";
        string? version = Chip.LastBoot!.RunningVersion;
        if (version is null || !_releases.TryGetValue(version, out var release))
            return $"unknown app version '{version}' in ota_{slot.OtaIndex}";
        var deploy = new byte[release.Deploy.Length];
        Chip.OpenPartition("deploy_" + slot.OtaIndex).Read(0, deploy);
        return deploy.AsSpan().SequenceEqual(release.Deploy) ? null : $"deploy_{slot.OtaIndex} does not hold the managed code of {version}";
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
            throw new Xunit.Sdk.XunitException(message);
    }

    private sealed class ListLog(List<string> lines) : IDeviceLog
    {
        public void Info(string line) => lines.Add(line);
    }
}
