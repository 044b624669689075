namespace Esp32.Formats.Ota;

/// <summary>One flash operation on the otadata partition, in the order the device performs them.</summary>
public abstract record OtaDataWrite;

/// <summary>
/// Erase the 4 KB sector of copy <paramref name="Copy"/> (0 → offset 0, 1 → offset 0x1000) and write the
/// 32-byte <paramref name="Entry"/> at its start: the bootloader's <c>write_otadata</c> and the app's
/// <c>rewrite_ota_seq</c>.
/// </summary>
public sealed record OtaEntryRewrite(int Copy, OtaSelectEntry Entry) : OtaDataWrite;

/// <summary>Erase the whole otadata partition (<c>esp_ota_set_boot_partition</c> with the factory app).</summary>
public sealed record OtaDataErase : OtaDataWrite;
