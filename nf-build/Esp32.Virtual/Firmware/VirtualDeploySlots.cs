using IotDevice.Core.Platform;

namespace Esp32.Virtual.Firmware;

/// <summary>
/// <see cref="IDeploySlots"/> on a <see cref="VirtualEsp32"/>: deploy_0 / deploy_1 (data 0x84, encrypted)
/// through esp_partition_erase_range / write / read with transparent flash encryption.
/// Threat: erasing or writing the running pair's deploy partition is refused, whatever the caller asks.
/// </summary>
public sealed class VirtualDeploySlots(VirtualEsp32 device) : IDeploySlots
{
    private const int Sector = 0x1000;

    public static string PartitionName(int slot) => "deploy_" + slot;

    public int SlotSize(int slot) => device.OpenPartition(PartitionName(slot)).Size;

    public void Erase(int slot, int offset, int length)
    {
        CheckWritable(slot);
        if (offset % Sector != 0 || length % Sector != 0)
            throw new ArgumentException($"deploy erase 0x{offset:X}+0x{length:X} is not sector aligned (ESP_ERR_INVALID_ARG)");
        var partition = device.OpenPartition(PartitionName(slot));
        for (int at = offset; at < offset + length; at += Sector)
            partition.Erase(at, Sector);
    }

    public void Write(int slot, int offset, byte[] buffer, int count)
    {
        CheckWritable(slot);
        if (offset % 16 != 0 || count % 16 != 0)
            throw new ArgumentException($"deploy write of {count} bytes at 0x{offset:X} is not 16-byte aligned");
        device.OpenPartition(PartitionName(slot)).Write(offset, buffer.AsSpan(0, count));
    }

    public void Read(int slot, int offset, byte[] buffer, int count) =>
        device.OpenPartition(PartitionName(slot)).Read(offset, buffer.AsSpan(0, count));

    private void CheckWritable(int slot)
    {
        if (device.RunningSlot is { IsOta: true } running && running.OtaIndex == slot)
            throw new InvalidOperationException($"deploy_{slot} belongs to the running pair");
    }
}
