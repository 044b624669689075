using Esp32.Formats.Flash;

namespace Esp32.Formats.Ota;

/// <summary>
/// The otadata partition on flash, seen through an <see cref="IFlashIo"/> window that covers exactly that
/// partition. Reads the two copies, and applies the decisions of <see cref="OtaBootloader"/>,
/// <see cref="OtaAppOperations"/> and <see cref="OtatoolSwitch"/> with the flash operations the device
/// (or the tool) uses: erase the copy's 4 KB sector, then write 32 bytes.
/// </summary>
public sealed class OtaDataPartition
{
    /// <summary>Required partition size: two sectors (gen_esp32part requires exactly 0x2000).</summary>
    public const int PartitionSize = 2 * FlashGeometry.SectorSize;

    private readonly IFlashIo _flash;

    /// <summary>The otadata partition behind <paramref name="flash"/>, a window starting at the partition's offset.</summary>
    /// <exception cref="Esp32FormatException">The window is smaller than 0x2000 bytes
    /// (<c>bootloader_common_read_otadata</c> refuses it).</exception>
    public OtaDataPartition(IFlashIo flash)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (flash.Size < PartitionSize)
            throw new Esp32FormatException($"otadata partition is 0x{flash.Size:X} bytes; it must be at least 0x{PartitionSize:X} (two 4 KB copies)");
        _flash = flash;
    }

    /// <summary>Flash offset of copy 0 or 1 inside the partition.</summary>
    public static int CopyOffset(int copy) => copy switch
    {
        0 => 0,
        1 => FlashGeometry.SectorSize,
        _ => throw new ArgumentOutOfRangeException(nameof(copy), copy, "otadata has copies 0 and 1"),
    };

    /// <summary>Reads both copies (<c>bootloader_common_read_otadata</c> / <c>read_otadata</c>).</summary>
    public OtaSelectPair Read()
    {
        Span<byte> entry = stackalloc byte[OtaSelectEntry.Size];
        _flash.Read(CopyOffset(0), entry);
        var first = OtaSelectEntry.FromBytes(entry);
        _flash.Read(CopyOffset(1), entry);
        return new OtaSelectPair(first, OtaSelectEntry.FromBytes(entry));
    }

    /// <summary>Performs the writes in order.</summary>
    public void Apply(IEnumerable<OtaDataWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        foreach (var write in writes)
        {
            switch (write)
            {
                case OtaEntryRewrite rewrite:
                    _flash.Erase(CopyOffset(rewrite.Copy), FlashGeometry.SectorSize);
                    _flash.Write(CopyOffset(rewrite.Copy), rewrite.Entry.ToBytes());
                    break;
                case OtaDataErase:
                    _flash.Erase(0, _flash.Size);
                    break;
                default:
                    throw new ArgumentException($"unknown otadata write {write}", nameof(writes));
            }
        }
    }

    /// <summary>One boot of the second-stage bootloader: decides (<see cref="OtaBootloader.Boot"/>) and writes.</summary>
    public OtaBootDecision Boot(OtaSlotLayout layout, Func<AppSlot, bool> isLoadable, OtaBootOptions? options = null)
    {
        var decision = OtaBootloader.Boot(Read(), layout, isLoadable, options);
        Apply(decision.Writes);
        return decision;
    }

    /// <summary><c>esp_ota_set_boot_partition</c> (see <see cref="OtaAppOperations.SetBootPartition"/>).</summary>
    public OtaOperationResult SetBootPartition(OtaSlotLayout layout, AppSlot target, Func<AppSlot, bool>? isImageValid = null, OtaBootOptions? options = null) =>
        Run(OtaAppOperations.SetBootPartition(Read(), layout, target, isImageValid, options));

    /// <summary><c>esp_ota_mark_app_valid_cancel_rollback</c>.</summary>
    public OtaOperationResult MarkAppValidCancelRollback(OtaSlotLayout layout, OtaBootOptions? options = null) =>
        Run(OtaAppOperations.MarkAppValidCancelRollback(Read(), layout, options));

    /// <summary><c>esp_ota_mark_app_invalid_rollback</c> (without the reboot).</summary>
    public OtaOperationResult MarkAppInvalidRollback(OtaSlotLayout layout, Func<AppSlot, bool> isImageValid, OtaBootOptions? options = null) =>
        Run(OtaAppOperations.MarkAppInvalidRollback(Read(), layout, isImageValid, options));

    /// <summary><c>esp_ota_check_rollback_is_possible</c>.</summary>
    public bool CheckRollbackIsPossible(OtaSlotLayout layout, Func<AppSlot, bool> isImageValid, OtaBootOptions? options = null) =>
        OtaAppOperations.CheckRollbackIsPossible(Read(), layout, isImageValid, options);

    /// <summary><c>esp_ota_get_state_partition</c>.</summary>
    public (OtaError Error, OtaImageState? State) GetStatePartition(OtaSlotLayout layout, AppSlot slot) =>
        OtaAppOperations.GetStatePartition(Read(), layout, slot);

    /// <summary><c>esp_ota_get_boot_partition</c>.</summary>
    public AppSlot? GetBootPartition(OtaSlotLayout layout) => OtaAppOperations.GetBootPartition(Read(), layout);

    /// <summary>
    /// <c>otatool.py switch_ota_partition --slot N</c>: reads the partition, patches seq/crc of one copy and
    /// writes the whole partition back (parttool erases the region, then esptool writes it).
    /// </summary>
    /// <exception cref="Esp32FormatException">otatool's refusal (<see cref="OtatoolSwitch.Refusal"/>); nothing is written.</exception>
    public void SwitchOtaPartition(OtaSlotLayout layout, int slot)
    {
        var contents = new byte[_flash.Size];
        _flash.Read(0, contents);
        byte[] updated = OtatoolSwitch.Switch(contents, layout, slot);
        _flash.Erase(0, _flash.Size);
        _flash.Write(0, updated);
    }

    /// <summary><c>otatool.py erase_otadata</c>: both copies erased, so the default app boots.</summary>
    public void Erase() => _flash.Erase(0, _flash.Size);

    private OtaOperationResult Run(OtaOperationResult result)
    {
        if (result.Error == OtaError.Ok) Apply(result.Writes);
        return result;
    }
}
