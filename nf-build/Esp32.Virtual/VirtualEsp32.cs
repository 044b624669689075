using Esp32.Formats;
using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Nvs;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;

namespace Esp32.Virtual;

/// <summary>
/// A virtual ESP32 (Lolin32): a 4 MB flash chip and the eFuses, a bootloader that applies ESP-IDF's
/// first-boot flash encryption and OTA/rollback rules, and the app-side services the firmware uses
/// (partitions through the flash cache, NVS with NVS encryption, esp_ota_* operations). Power can be cut
/// after the N-th flash write or erase; <see cref="PowerOn"/> then boots what the flash holds.
/// </summary>
public sealed class VirtualEsp32
{
    public const string FlashFileName = "flash.bin";
    public const string EfuseFileName = "efuses.json";

    private PartitionTable? _table;
    private Esp32FlashCipher? _cipher;

    public VirtualEsp32(FlashChip flash, Esp32Efuses efuses, SecuritySettings settings)
    {
        Flash = flash;
        Efuses = efuses;
        Settings = settings;
    }

    /// <summary>A blank chip: erased flash, no eFuse burned.</summary>
    public static VirtualEsp32 CreateBlank(SecuritySettings settings) => new(new FlashChip(), new Esp32Efuses(), settings);

    /// <summary>Loads a device saved with <see cref="Save"/> (flash.bin + efuses.json in a folder).</summary>
    public static VirtualEsp32 Load(string directory, SecuritySettings settings)
    {
        string flashPath = Path.Combine(directory, FlashFileName);
        if (!File.Exists(flashPath))
            throw new FileNotFoundException($"no flash image at {flashPath}", flashPath);
        byte[] image = File.ReadAllBytes(flashPath);
        if (image.Length != FlashChip.DefaultSize)
            throw new Esp32FormatException($"{flashPath} has {image.Length} bytes; a Lolin32 flash image has {FlashChip.DefaultSize} (4 MB)");
        return new VirtualEsp32(FlashChip.FromImage(image), Esp32EfuseFile.Load(Path.Combine(directory, EfuseFileName)), settings);
    }

    /// <summary>Writes flash.bin and efuses.json into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, FlashFileName), Flash.Dump());
        Esp32EfuseFile.Save(Efuses, Path.Combine(directory, EfuseFileName));
    }

    public FlashChip Flash { get; }

    public Esp32Efuses Efuses { get; }

    public SecuritySettings Settings { get; }

    /// <summary>The last boot, or null before the first.</summary>
    public BootReport? LastBoot { get; private set; }

    /// <summary>The OTA slot the app runs from (null before boot or when nothing booted).</summary>
    public AppSlot? RunningSlot => LastBoot?.RunningSlot;

    /// <summary>The partition table the running app loaded.</summary>
    public PartitionTable Partitions => _table ?? throw new InvalidOperationException("the device has not booted");

    /// <summary>Arms a power cut at the <paramref name="n"/>-th flash write or erase from now (1 = the next).</summary>
    public void CutPowerAfter(int n) => Flash.Io.CutAt(n);

    /// <summary>Power on (or back on after a cut) and boot; returns what the bootloader did.</summary>
    public BootReport PowerOn()
    {
        Flash.Io.Restore();
        return Boot();
    }

    /// <summary>
    /// esp_restart(): the same as a power cycle for everything kept in flash and eFuses, except that power
    /// stays on, so a cut armed with <see cref="CutPowerAfter"/> stays armed and can hit the bootloader's own
    /// otadata writes (a brown-out during the boot after an update).
    /// </summary>
    /// <exception cref="Esp32.Formats.Flash.PowerCutException">The armed cut hit a write of the bootloader.</exception>
    public BootReport Reboot() => Boot();

    private BootReport Boot()
    {
        _cipher?.Dispose();
        _cipher = null;
        _table = null;
        LastBoot = null;

        var bootloader = new VirtualBootloader(Flash, Efuses, Settings);
        var report = bootloader.Boot();
        LastBoot = report;
        _cipher = Efuses.FlashEncryptionEnabled ? Efuses.CreateFlashCipher() : null;
        _table = bootloader.Table;
        return report;
    }


    /// <summary>The esp_ota_* operations of the running app.</summary>
    public VirtualOta Ota => new(this);

    /// <summary>esp_partition_find_first by label, with the flash cache's transparent encryption.</summary>
    public PartitionView OpenPartition(string name)
    {
        PartitionEntry entry = Partitions.Find(name) ?? throw new ArgumentException($"no partition named '{name}' in the partition table");
        return new PartitionView(Flash.Io, entry, _cipher);
    }

    /// <summary>
    /// nvs_flash_init_partition: mounts NVS. With NVS encryption the XTS keys come from the nvs_keys
    /// partition, generated on the first call by the flash-encryption scheme (so they are unique to the
    /// chip's flash encryption key and stored only as flash-encrypted ciphertext).
    /// </summary>
    public NvsStorage MountNvs(string partition = "nvs", NvsMountOptions? options = null)
    {
        PartitionView nvs = OpenPartition(partition);
        if (!Settings.NvsEncryption)
            return NvsStorage.Mount(nvs, options: options);
        if (_cipher is null)
            throw new InvalidOperationException("NVS encryption with the flash-encryption key scheme needs flash encryption enabled");
        PartitionEntry keysEntry = Partitions.FindBySubtype(PartitionTypes.Data, PartitionSubtypes.NvsKeys)
            ?? throw new Esp32FormatException("NVS encryption is configured but the partition table has no nvs_keys partition");
        NvsKeys keys = NvsKeysFlashEncryptionScheme.ReadOrGenerate(new EncryptedFlashAdapter(Flash.Io, _cipher), (int)keysEntry.Offset, (int)keysEntry.Size, out _);
        return NvsStorage.Mount(nvs, keys.ToXtsKey(), options: options);
    }
}
