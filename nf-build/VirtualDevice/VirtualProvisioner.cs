using System.Security.Cryptography;
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
}

/// <summary>
/// Builds a complete virtual Lolin32 for one device of a fleet, from the provisioning bundle only
/// (README "Fleet workspace": <c>&lt;fleet&gt;/devices/&lt;id&gt;/nvs.csv</c> and the files its <c>file</c> rows name):
/// the product partition table, the bundle's NVS image (NVS-encrypted with nvs_keys generated for this
/// device), a bootable placeholder nanoCLR app in ota_0 and otadata selecting it, all flash-encrypted in
/// development mode with a key generated for this device and burned into its eFuses. Then it boots the
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
        string bundle = BundleDirectory(fleetDirectory, deviceId);
        string csv = Path.Combine(bundle, "nvs.csv");
        if (!File.Exists(csv))
            throw new FileNotFoundException($"no provisioning bundle for '{deviceId}': {csv} does not exist", csv);
        if (File.Exists(Path.Combine(outputDirectory, VirtualEsp32.FlashFileName)))
            throw new IOException($"{outputDirectory} already holds a virtual device ({VirtualEsp32.FlashFileName}); choose an empty folder");

        PartitionTable table = options.PartitionsCsvPath is { } path ? PartitionTable.FromCsv(File.ReadAllText(path)) : ProductTable();
        PartitionEntry nvsEntry = table.Find("nvs") ?? throw new Esp32FormatException("the partition table has no 'nvs' partition");
        PartitionEntry otadataEntry = table.OtaData ?? throw new Esp32FormatException("the partition table has no otadata partition");
        PartitionEntry ota0 = table.OtaAppSlots.FirstOrDefault(e => e.OtaSlot == 0) ?? throw new Esp32FormatException("the partition table has no ota_0 partition");
        NvsKeys? nvsKeys = options.Encrypt ? NvsKeys.Generate() : null;
        byte[] nvs = NvsPartitionGenerator.GenerateFromFile(csv, (int)nvsEntry.Size, new NvsGeneratorOptions
        {
            BaseDirectory = bundle,
            EncryptionKey = nvsKeys?.ToXtsKey(),
        });

        var otadata = new MemoryFlash((int)otadataEntry.Size);
        new OtaDataPartition(otadata).SwitchOtaPartition(OtaSlotLayout.FromPartitionTable(table), 0);

        var builder = new FlashImageBuilder(table)
            .WithPartition(nvsEntry.Name, nvs)
            .WithPartition(otadataEntry.Name, otadata.Contents)
            .WithPartition(ota0.Name, PlaceholderNanoClr(options.AppVersion, options.SecureVersion));
        var efuses = new Esp32Efuses();
        byte[]? flashKey = null;
        try
        {
            if (options.Encrypt)
            {
                PartitionEntry keysEntry = table.FindBySubtype(PartitionTypes.Data, PartitionSubtypes.NvsKeys)
                    ?? throw new Esp32FormatException("NVS encryption needs an nvs_keys partition in the table");
                builder.WithPartition(keysEntry.Name, NvsKeysPartition.Build(nvsKeys!));
                // Development mode: one FLASH_CRYPT_CNT bit, key read- and write-protected in BLOCK1.
                flashKey = RandomNumberGenerator.GetBytes(efuses.Block1Length);
                efuses.BurnFlashEncryptionKey(flashKey, protectKey: true);
                efuses.Burn(Esp32EfuseFields.FlashCryptConfig, 0xF);
                efuses.IncrementFlashCryptCnt();
            }
            byte[] image = builder.Build(flashKey);

            var device = new VirtualEsp32(FlashChip.FromImage(image), efuses, DeviceSettings(efuses));
            BootReport boot = device.PowerOn();
            if (boot.RunningSlot is null || boot.RunningVersion is null)
                throw new Esp32FormatException("the provisioned image does not boot");
            // The proof that the device can read its identity: mount NVS as the firmware will.
            var store = new VirtualNvsSecureStore(device.MountNvs());
            string? id = store.GetString("iotdev", "dev_id");
            if (id != deviceId)
                throw new Esp32FormatException($"the bundle's nvs.csv names device '{id}', not '{deviceId}'");

            SaveAtomically(device, outputDirectory);
            return new ProvisionResult(Path.GetFullPath(outputDirectory), options.Encrypt, boot.RunningVersion);
        }
        finally
        {
            if (flashKey is not null)
                CryptographicOperations.ZeroMemory(flashKey);
        }
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
    public static byte[] PlaceholderNanoClr(string version, uint secureVersion)
    {
        byte[] code = new byte[4096];
        System.Text.Encoding.ASCII.GetBytes("IotDevice nanoCLR placeholder " + version).CopyTo(code, 0);
        // Date and time in the C compiler's __DATE__ / __TIME__ form, as ESP-IDF fills them: the firmware's
        // build time, below which the device never trusts its clock (TimeGuard).
        DateTime built = DateTime.UtcNow;
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
