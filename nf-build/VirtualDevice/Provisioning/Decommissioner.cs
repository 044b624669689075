using Esp32.Formats.Efuse;
using Esp32.Formats.PartitionTable;
using Esp32.Virtual;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>What a decommission did and what it could not undo.</summary>
public sealed record DecommissionResult(IReadOnlyList<string> Done, IReadOnlyList<string> Permanent);

/// <summary>
/// Wipes a device's identity: erases the nvs partition (certificate, key, CA, Wi-Fi, fallback credentials) and
/// nvs_keys (the NVS XTS keys; the firmware generates new ones on its next NVS init, so nothing old can be
/// decrypted even from a copy of the old NVS). What stays: every burned eFuse, the flash encryption key inside
/// the chip, the encrypted app. Revoke the identity in the fleet as well: copies of the key (bundle, backups)
/// stay valid until then.
/// </summary>
public static class Decommissioner
{
    /// <summary>Partitions erased by a decommission.</summary>
    public static IEnumerable<PartitionEntry> IdentityPartitions(PartitionTable table)
    {
        yield return table.Find("nvs") ?? throw new Esp32.Formats.Esp32FormatException("the partition table has no 'nvs' partition");
        if (table.FindBySubtype(PartitionTypes.Data, PartitionSubtypes.NvsKeys) is { } keys)
            yield return keys;
    }

    /// <summary>The esptool erase commands for a board in development mode.</summary>
    public static IReadOnlyList<ToolCommand> EraseCommands(PartitionTable table, string port) =>
        IdentityPartitions(table).Select(e => new ToolCommand(ToolCommandRenderer.Esptool,
            ["--chip", "esp32", "--port", port, "--before", "default-reset", "--after", "hard-reset", "erase-region", ToolCommandRenderer.Hex(e.Offset), ToolCommandRenderer.Hex(e.Size)],
            null)).ToList();

    /// <summary>What stays on a chip whatever the wipe does, given its eFuses.</summary>
    public static IReadOnlyList<string> Permanent(Esp32Efuses efuses, string deviceId)
    {
        var permanent = new List<string>();
        var mode = efuses.FlashEncryptionMode;
        if (mode != Esp32FlashEncryptionMode.Disabled || efuses.HasFlashEncryptionKey)
            permanent.Add("the flash encryption key stays burned (read-protected) in BLOCK1 and FLASH_CRYPT_CNT keeps its bits: eFuses cannot be cleared");
        if (mode == Esp32FlashEncryptionMode.Release)
            permanent.Add("release mode: JTAG, ROM download-mode encryption/decryption and (v3 chips) UART download stay disabled for ever; a real release-mode chip cannot be wiped over serial at all");
        permanent.Add($"copies of {deviceId}'s key outside the chip (bundle, backups) stay valid until `nf-build fleet revoke <fleet> {deviceId} --broker`");
        return permanent;
    }

    /// <summary>Wipes identity and NVS of a virtual device saved in <paramref name="directory"/>.</summary>
    public static DecommissionResult WipeVirtual(string directory, string deviceId = "<device-id>")
    {
        VirtualEsp32 device = VirtualProvisioner.Load(directory);
        device.PowerOn();
        var done = new List<string>();
        foreach (var entry in IdentityPartitions(device.Partitions))
        {
            device.Flash.Io.Erase((int)entry.Offset, (int)entry.Size);
            done.Add($"erased {entry.Name} (0x{entry.Offset:X}, 0x{entry.Size:X} bytes)");
        }
        var permanent = Permanent(device.Efuses, deviceId).ToList();
        if (device.Efuses.FlashEncryptionMode == Esp32FlashEncryptionMode.Release)
            done.Add("(virtual chip: wiped although a real release-mode chip would refuse serial access)");
        string temp = Path.Combine(directory, VirtualEsp32.FlashFileName + ".tmp");
        File.WriteAllBytes(temp, device.Flash.Dump());
        File.Move(temp, Path.Combine(directory, VirtualEsp32.FlashFileName), overwrite: true);
        return new DecommissionResult(done, permanent);
    }
}
