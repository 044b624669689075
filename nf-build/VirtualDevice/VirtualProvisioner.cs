using Esp32.Formats;
using Esp32.Formats.AppImage;
using Esp32.Formats.Efuse;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashImage;
using Esp32.Formats.Nvs;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using Esp32.Virtual;
using IotDevice.Core.Messaging;
using NfBuild.VirtualDevice.Provisioning;

namespace NfBuild.VirtualDevice;

/// <summary>What <see cref="VirtualProvisioner.Provision"/> produced.</summary>
/// <param name="Directory">Folder holding flash.bin and efuses.json.</param>
/// <param name="Encrypted">Flash encryption (development mode) and NVS encryption are on.</param>
/// <param name="RunningVersion">esp_app_desc_t.version the virtual chip booted after provisioning.</param>
public sealed record ProvisionResult(string Directory, bool Encrypted, string RunningVersion);

/// <summary>Options of <see cref="VirtualProvisioner.Provision"/>.</summary>
public sealed record ProvisionOptions
{
    /// <summary>False: plaintext flash and NVS (the audit's control case: secrets readable in a dump).</summary>
    public bool Encrypt { get; init; } = true;

    /// <summary>A partitions.csv to use instead of the product table embedded in the tool.</summary>
    public string? PartitionsCsvPath { get; init; }

    /// <summary>esp_app_desc_t.version of the placeholder nanoCLR image in ota_0.</summary>
    public string AppVersion { get; init; } = "1.0.0";

    /// <summary>esp_app_desc_t.secure_version of the placeholder image (anti-rollback).</summary>
    public uint SecureVersion { get; init; }

    /// <summary>Development or release mode (flash encryption).</summary>
    public ProvisioningMode Mode { get; init; } = ProvisioningMode.Development;

    /// <summary>Images written besides NVS (null: none / the placeholder app).</summary>
    public string? BootloaderPath { get; init; }

    public string? AppPath { get; init; }

    public string? DeployPath { get; init; }

    /// <summary>The chip generates the key on its first boot (nothing encrypted on the host, no eFuse burned by the tools).</summary>
    public bool OnChipKey { get; init; }

    /// <summary>Secure boot v2 (<see cref="ProvisioningRequest.SecureBoot"/>).</summary>
    public bool SecureBoot { get; init; }

    /// <summary>The secure boot signing key; null: the fleet's default (created if missing).</summary>
    public string? SigningKeyPath { get; init; }

    /// <summary>An existing flash encryption key file instead of a generated one.</summary>
    public string? FlashKeyPath { get; init; }

    /// <summary>Build time of the placeholder app (default: now).</summary>
    public DateTime? AppBuildTime { get; init; }

    /// <summary>Key material; a <see cref="SeededProvisioningRandom"/> in tests only.</summary>
    public IProvisioningRandom Random { get; init; } = SystemProvisioningRandom.Instance;

    /// <summary>The plan request these options describe.</summary>
    public ProvisioningRequest ToRequest(string fleetDirectory, string deviceId) => new()
    {
        FleetDirectory = fleetDirectory,
        DeviceId = deviceId,
        Encrypt = Encrypt,
        Mode = Mode,
        PartitionsCsvPath = PartitionsCsvPath,
        BootloaderPath = BootloaderPath,
        AppPath = AppPath,
        DeployPath = DeployPath,
        FlashKeyPath = FlashKeyPath,
        OnChipKey = OnChipKey,
        SecureBoot = SecureBoot,
        SigningKeyPath = SigningKeyPath,
        AppVersion = AppVersion,
        SecureVersion = SecureVersion,
        AppBuildTime = AppBuildTime,
        Random = Random,
    };
}

/// <summary>
/// Builds a complete virtual Lolin32 for one device of a fleet, from the provisioning bundle only
/// (README "Fleet workspace": <c>&lt;fleet&gt;/devices/&lt;id&gt;/nvs.csv</c> and the files its <c>file</c> rows name):
/// the product partition table, the bundle's NVS image (NVS-encrypted with nvs_keys generated for this
/// device), a bootable placeholder nanoCLR app in ota_0 and otadata selecting it, all flash-encrypted in
/// development mode (or release mode) with a key generated for this device and burned into its eFuses. It is
/// the board provisioning pipeline (<see cref="ProvisioningPlanBuilder"/>) executed on a blank virtual chip
/// (<see cref="VirtualPlanExecutor"/>) instead of rendered as esptool commands. Then it boots a copy of the
/// chip once and checks that the NVS mounts and names the device. Saves flash.bin + efuses.json.
/// <para>
/// Threat: the bundle and the built image hold the device's private key and fallback password. The image is
/// only ever written encrypted (unless <see cref="ProvisionOptions.Encrypt"/> is off, for the audit's control
/// case): the NVS with its own XTS keys, which sit in nvs_keys under flash encryption, everything else under
/// flash encryption, so flash.bin shows no secret. The flash encryption key exists only in this process and
/// in the virtual eFuse BLOCK1 (read/write-protected, as on the chip); it is never written elsewhere.
/// </para>
/// </summary>
public static class VirtualProvisioner
{
    /// <summary>The product's partition table (the repository's partitions.csv, embedded in the tool).</summary>
    public static PartitionTable ProductTable()
    {
        using Stream stream = typeof(VirtualProvisioner).Assembly.GetManifestResourceStream("IotDevice.partitions.csv")
            ?? throw new InvalidOperationException("partitions.csv is not embedded in the tool");
        using var reader = new StreamReader(stream);
        return PartitionTable.FromCsv(reader.ReadToEnd());
    }

    /// <summary>The bundle folder of <paramref name="deviceId"/> in a fleet directory.</summary>
    public static string BundleDirectory(string fleetDirectory, string deviceId) => Path.Combine(fleetDirectory, "devices", deviceId);

    /// <exception cref="ArgumentException">Bad device id.</exception>
    /// <exception cref="FileNotFoundException">No bundle or no nvs.csv for the device.</exception>
    /// <exception cref="IOException">The output folder already holds a device.</exception>
    /// <exception cref="Esp32FormatException">The CSV or the partition table is invalid, or the result does not boot.</exception>
    public static ProvisionResult Provision(string fleetDirectory, string deviceId, string outputDirectory, ProvisionOptions? options = null)
    {
        options ??= new ProvisionOptions();
        DeviceTopics.ValidateDeviceId(deviceId);
        if (File.Exists(Path.Combine(outputDirectory, VirtualEsp32.FlashFileName)))
            throw new IOException($"{outputDirectory} already holds a virtual device ({VirtualEsp32.FlashFileName}); choose an empty folder");
        ProvisioningPlan plan = ProvisioningPlanBuilder.Build(options.ToRequest(fleetDirectory, deviceId));
        return Provision(plan, outputDirectory);
    }

    /// <summary>
    /// Executes <paramref name="plan"/> on a blank virtual chip (<see cref="VirtualPlanExecutor"/>), boots a copy of
    /// the result once and checks that its NVS mounts and names the device, then saves the chip as the plan left it
    /// (flash.bin + efuses.json, byte for byte what the plan's tool commands produce on a blank chip).
    /// </summary>
    public static ProvisionResult Provision(ProvisioningPlan plan, string outputDirectory)
    {
        if (File.Exists(Path.Combine(outputDirectory, VirtualEsp32.FlashFileName)))
            throw new IOException($"{outputDirectory} already holds a virtual device ({VirtualEsp32.FlashFileName}); choose an empty folder");
        var (flash, efuses) = VirtualPlanExecutor.Execute(plan);
        if (plan.FirstBootEncrypts)
        {
            // On-chip key: the first boot is part of provisioning (the bootloader generates the key, encrypts in
            // place and burns the eFuses); the saved device is the one after that boot.
            var device = new VirtualEsp32(flash, efuses, SecuritySettings.Secure with { ReleaseMode = plan.Mode == ProvisioningMode.Release });
            BootReport first = device.PowerOn();
            if (!first.EncryptedOnThisBoot || !efuses.FlashEncryptionEnabled)
                throw new Esp32FormatException("the first boot did not enable flash encryption");
        }
        string version = VerifyBoots(flash, efuses, plan.DeviceId);
        SaveAtomically(new VirtualEsp32(flash, efuses, DeviceSettings(efuses)), outputDirectory);
        return new ProvisionResult(Path.GetFullPath(outputDirectory), plan.Encrypted, version);
    }

    /// <summary>
    /// The same provisioning as <see cref="Provision(string, string, string, ProvisionOptions?)"/>, kept in memory on a
    /// sparse flash chip (only written sectors take memory) instead of saved: what a fleet simulation runs by the
    /// thousand. The plan, the encryption and the boot check are the same; nothing is written to disk.
    /// </summary>
    public static VirtualEsp32 ProvisionInMemory(string fleetDirectory, string deviceId, ProvisionOptions? options = null)
    {
        options ??= new ProvisionOptions();
        DeviceTopics.ValidateDeviceId(deviceId);
        ProvisioningPlan plan = ProvisioningPlanBuilder.Build(options.ToRequest(fleetDirectory, deviceId));
        var (flash, efuses) = VirtualPlanExecutor.Execute(plan, FlashChip.CreateSparse());
        if (plan.FirstBootEncrypts)
        {
            var first = new VirtualEsp32(flash, efuses, SecuritySettings.Secure with { ReleaseMode = plan.Mode == ProvisioningMode.Release }).PowerOn();
            if (!first.EncryptedOnThisBoot || !efuses.FlashEncryptionEnabled)
                throw new Esp32FormatException("the first boot did not enable flash encryption");
        }
        VerifyBoots(flash, efuses, plan.DeviceId);
        return new VirtualEsp32(flash, efuses, DeviceSettings(efuses));
    }

    /// <summary>Boots a copy of the chip; returns the running version once the NVS names <paramref name="deviceId"/>.</summary>
    public static string VerifyBoots(FlashChip flash, Esp32Efuses efuses, string deviceId)
    {
        Esp32Efuses copy = Esp32EfuseFile.FromJson(Esp32EfuseFile.ToJson(efuses));
        var device = new VirtualEsp32(flash.ToSparse(), copy, DeviceSettings(copy));
        BootReport boot = device.PowerOn();
        if (boot.RunningSlot is null || boot.RunningVersion is null)
            throw new Esp32FormatException("the provisioned image does not boot");
        // The proof that the device can read its identity: mount NVS as the firmware will.
        var store = new VirtualNvsSecureStore(device.MountNvs());
        string? id = store.GetString("iotdev", "dev_id");
        if (id != deviceId)
            throw new Esp32FormatException($"the bundle's nvs.csv names device '{id}', not '{deviceId}'");
        return boot.RunningVersion;
    }

    /// <summary>
    /// The sdkconfig a device was built with, as far as the virtual chip needs it: a chip with flash
    /// encryption enabled in its eFuses runs the product configuration (flash + NVS encryption,
    /// anti-rollback), a plain chip the plain one. Nothing beside flash.bin/efuses.json is consulted.
    /// </summary>
    public static SecuritySettings DeviceSettings(Esp32Efuses efuses) => efuses.FlashEncryptionEnabled ? SecuritySettings.Secure : SecuritySettings.Plain;

    /// <summary>Loads a device saved by <see cref="Provision"/>.</summary>
    public static VirtualEsp32 Load(string directory)
    {
        var efuses = Esp32EfuseFile.Load(Path.Combine(directory, VirtualEsp32.EfuseFileName));
        var probe = VirtualEsp32.Load(directory, SecuritySettings.Plain); // validates flash.bin
        return new VirtualEsp32(probe.Flash, efuses, DeviceSettings(efuses));
    }

    /// <summary>
    /// A small app image standing in for the custom nanoCLR (until the device issue builds it): a valid ESP32
    /// image whose esp_app_desc_t carries the release version and secure_version the bootloader checks.
    /// </summary>
    public static byte[] PlaceholderNanoClr(string version, uint secureVersion, DateTime? buildTime = null)
    {
        byte[] code = new byte[4096];
        System.Text.Encoding.ASCII.GetBytes("IotDevice nanoCLR placeholder " + version).CopyTo(code, 0);
        // Date and time in the C compiler's __DATE__ / __TIME__ form, as ESP-IDF fills them: the firmware's
        // build time, below which the device never trusts its clock (TimeGuard).
        DateTime built = buildTime ?? DateTime.UtcNow;
        var description = new AppDescription
        {
            Version = version,
            SecureVersion = secureVersion,
            ProjectName = "nanoCLR",
            IdfVersion = "v5.5.1",
            Date = AppBuildTime.FormatDate(built),
            Time = built.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new AppImageBuilder(description)
            .AddSegment(0x40080000, code)
            .Build();
    }

    private static void SaveAtomically(VirtualEsp32 device, string outputDirectory)
    {
        string full = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(full);
        string staging = Path.Combine(full, ".provision-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            device.Save(staging);
            // efuses.json first: a flash.bin without its eFuses would be an undecryptable device.
            File.Move(Path.Combine(staging, VirtualEsp32.EfuseFileName), Path.Combine(full, VirtualEsp32.EfuseFileName), overwrite: true);
            File.Move(Path.Combine(staging, VirtualEsp32.FlashFileName), Path.Combine(full, VirtualEsp32.FlashFileName), overwrite: false);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }
}
