using Esp32.Formats.Ota;
using IotDevice.Core.Platform;

namespace Esp32.Virtual.Firmware;

/// <summary>
/// <see cref="IOtaSlotWriter"/> on a <see cref="VirtualEsp32"/>: esp_ota_begin / esp_ota_resume / esp_ota_write /
/// esp_ota_end / esp_ota_set_boot_partition on the inactive ota_N partition, through the flash cache (flash
/// encryption applies). Erases go sector by sector, as esp_partition_erase_range does, so a power cut tears one
/// 4 KB sector, never a whole range at once.
/// </summary>
public sealed class VirtualOtaSlotWriter(VirtualEsp32 device) : IOtaSlotWriter
{
    private const int Sector = 0x1000;
    private int _slot = -1;
    private int _size;
    private int _position;

    public int InactiveSlot => device.Ota.NextUpdateSlot;

    public int SlotSize => device.Ota.SlotPartition(InactiveSlot).Size;

    public void Begin(int imageSize)
    {
        Open(imageSize);
        EraseSectors(0, imageSize);
        _position = 0;
    }

    public void Resume(int imageSize, int offset)
    {
        if (offset < 0 || offset > imageSize || (offset % Sector != 0 && offset != imageSize))
            throw new ArgumentOutOfRangeException(nameof(offset), $"resume offset {offset} is not a sector boundary of the {imageSize}-byte image");
        Open(imageSize);
        if (offset < imageSize)
            EraseSectors(offset, imageSize - offset);
        _position = offset;
    }

    public void Write(byte[] buffer, int offset, int count)
    {
        if (_slot < 0)
            throw new InvalidOperationException("esp_ota_write without esp_ota_begin (ESP_ERR_INVALID_ARG)");
        if (count % 16 != 0 || _position % 16 != 0)
            throw new ArgumentException($"OTA write of {count} bytes at 0x{_position:X} is not 16-byte aligned");
        var partition = device.Ota.SlotPartition(_slot);
        partition.Write(_position, buffer.AsSpan(offset, count));
        _position += count;
    }

    public bool End()
    {
        if (_slot < 0)
            throw new InvalidOperationException("esp_ota_end without esp_ota_begin");
        // esp_ota_end -> esp_image_verify: header, chip id, checksum, appended SHA-256; under secure boot v2 also the signature.
        bool ok = VirtualBootloader.ImageVerifies(device.Ota.SlotPartition(_slot), VirtualBootloader.TrustedKeyDigest(device.Efuses));
        if (!ok)
            _slot = -1;
        return ok;
    }

    public bool SetBootSlot()
    {
        if (_slot < 0)
            throw new InvalidOperationException("no verified image to select");
        int slot = _slot;
        _slot = -1;
        return device.Ota.SetBootPartition(slot) == OtaError.Ok;
    }

    public void Abort() => _slot = -1;

    public void Read(int slot, int offset, byte[] buffer, int count) =>
        device.Ota.SlotPartition(slot).Read(offset, buffer.AsSpan(0, count));

    private void Open(int imageSize)
    {
        int slot = InactiveSlot;
        // Threat: the running image is the one the device rolls back to; esp_ota_begin refuses it (ESP_ERR_OTA_PARTITION_CONFLICT).
        if (device.RunningSlot is { IsOta: true } running && running.OtaIndex == slot)
            throw new InvalidOperationException($"ota_{slot} is the running partition");
        var partition = device.Ota.SlotPartition(slot);
        if (imageSize <= 0 || imageSize > partition.Size)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"image of {imageSize} bytes does not fit ota_{slot} ({partition.Size} bytes) (ESP_ERR_INVALID_SIZE)");
        _slot = slot;
        _size = imageSize;
    }

    private void EraseSectors(int offset, int length)
    {
        var partition = device.Ota.SlotPartition(_slot);
        int end = (offset + length + Sector - 1) / Sector * Sector;
        for (int at = offset; at < end; at += Sector)
            partition.Erase(at, Sector);
    }

    /// <summary>The image size of the open write (for tests).</summary>
    internal int OpenSize => _size;
}
