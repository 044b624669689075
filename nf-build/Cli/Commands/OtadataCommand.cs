using System.CommandLine;
using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `otadata show|switch`: the boot-slot selection of a flash image (or a bare 8 KB otadata dump), as
/// otatool.py reads and switches it.
/// </summary>
internal static class OtadataCommand
{
    public static Command Create()
    {
        var otadata = new Command("otadata", "OTA boot-slot data (two esp_ota_select_entry_t copies).");
        otadata.Add(Show());
        otadata.Add(Switch());
        return otadata;
    }

    private static Argument<FileInfo> Input() => new("image") { Description = "A whole flash image (partition table at --table-offset), or an 8 KB otadata partition dump." };

    private static Option<FileInfo?> Key() => new("--key") { Description = "Flash encryption key, to read a dump of a flash-encrypted device (otadata and the table are encrypted there)." };

    private static Option<int> TableOffset() => new("--table-offset")
    {
        Description = "Partition table offset in a whole flash image.",
        DefaultValueFactory = _ => (int)PartitionTable.DefaultOffset,
        CustomParser = NumberParser.ParseIntArgument,
    };

    private static Command Show()
    {
        var input = Input();
        var key = Key();
        var tableOffset = TableOffset();
        var command = new Command("show", "Print both otadata copies, which one is active and which slot boots.") { input, key, tableOffset };
        command.SetAction(parse =>
        {
            using var located = Locate(parse.GetValue(input)!, parse.GetValue(key), parse.GetValue(tableOffset));
            OtaSelectPair pair = new OtaDataPartition(located.Window).Read();
            var output = parse.InvocationConfiguration.Output;
            for (int copy = 0; copy < 2; copy++)
            {
                OtaSelectEntry e = pair[copy];
                string seq = e.Sequence == OtaSelectEntry.ErasedSequence ? "erased" : e.Sequence.ToString();
                output.WriteLine($"copy {copy} @0x{OtaDataPartition.CopyOffset(copy):X4}: seq {seq}, state {e.State}, crc 0x{e.Crc:X8} ({(e.IsCrcValid ? "valid" : "invalid")}){(e.IsValid ? "" : " - not usable")}");
            }
            foreach (string line in Describe(pair, located))
                output.WriteLine(line);
            return 0;
        });
        return command;
    }

    private static Command Switch()
    {
        var input = Input();
        var key = Key();
        var tableOffset = TableOffset();
        var slot = new Option<int>("--slot") { Description = "OTA slot to boot next (0-based).", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the result here instead of replacing the input." };
        var command = new Command("switch", "Select the OTA slot to boot, as otatool.py switch_ota_partition --slot N (writes seq and CRC only).") { input, slot, key, tableOffset, output };
        command.SetAction(parse =>
        {
            FileInfo file = parse.GetValue(input)!;
            using var located = Locate(file, parse.GetValue(key), parse.GetValue(tableOffset));
            int target = parse.GetValue(slot);
            OtaSlotLayout layout = located.Layout;
            if (OtatoolSwitch.Refusal(layout, target) is { } refusal)
            {
                int count = layout.ContiguousOtaAppCount;
                string range = count > 0 ? $"--slot takes 0..{count - 1} ({count} OTA slots)" : "no --slot is possible";
                throw new CliUsageException($"{refusal}; {range}, nothing written");
            }
            var otaData = new OtaDataPartition(located.Window);
            otaData.SwitchOtaPartition(layout, target);
            string destination = (parse.GetValue(output) ?? file).FullName;
            OutputFile.Write(destination, located.Image);
            var console = parse.InvocationConfiguration.Output;
            console.WriteLine($"ota_{target} selected; wrote {destination}");
            if (layout.IsSparse)
                foreach (string line in Describe(otaData.Read(), located))
                    console.WriteLine(line);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// What the bootloader does with these copies (<see cref="OtaBootloader.Boot"/>, assuming every app
    /// partition holds a loadable image, without rollback): which slot the active copy selects and, when the
    /// table has no partition for that index, what it falls back to.
    /// </summary>
    private static IEnumerable<string> Describe(OtaSelectPair pair, Located located)
    {
        OtaSlotLayout layout = located.Layout;
        if (!located.FromTable)
        {
            // A bare dump: the table is unknown, so ota_0 and ota_1 are assumed.
            if (pair.ActiveIndex < 0)
            {
                yield return "no valid copy: the bootloader boots the factory app, or ota_0 if there is none";
                yield break;
            }
        }

        OtaBootDecision decision = OtaBootloader.Boot(pair, layout, _ => true);
        AppSlot selected = decision.SelectedSlot;
        string booted = decision.BootedSlot is { } b ? b.ToString() : "nothing (no bootable app partition; the chip resets)";
        string prefix = decision.ActiveCopy < 0 ? "no valid copy: the bootloader" : $"active copy {decision.ActiveCopy}:";
        if (decision.BootedSlot == selected)
        {
            yield return decision.ActiveCopy < 0
                ? $"{prefix} boots {selected}"
                : $"{prefix} boots {selected} (of {layout.OtaAppCount} OTA slots)";
        }
        else
        {
            string how = decision.ActiveCopy < 0
                ? "the default"
                : $"seq {pair[decision.ActiveCopy].Sequence}: ({pair[decision.ActiveCopy].Sequence} - 1) % {layout.OtaAppCount}";
            yield return $"{prefix} selects {selected} ({how}), which the partition table does not have; the bootloader falls back and boots {booted}";
        }

        if (layout.IsSparse)
        {
            var unreachable = layout.OtaIndices.Where(i => !layout.BootloaderCanLoad(i)).Select(i => $"ota_{i}").ToArray();
            yield return $"warning: the OTA slots ({layout.DescribeOtaSlots()}) are not numbered 0..{layout.OtaAppCount - 1}: the bootloader selects " +
                $"(seq - 1) % {layout.OtaAppCount} while otatool and esp_ota_set_boot_partition count {layout.ContiguousOtaAppCount}" +
                (unreachable.Length > 0 ? $"; {string.Join(", ", unreachable)} can never boot" : "");
        }
    }

    /// <summary>The otadata window inside the file (through flash decryption when a key is given).</summary>
    private sealed class Located(byte[] image, IFlashIo window, OtaSlotLayout layout, bool fromTable, Esp32FlashCipher? cipher) : IDisposable
    {
        public byte[] Image { get; } = image;
        public IFlashIo Window { get; } = window;

        /// <summary>The table's slots (<see cref="OtaSlotLayout.FromPartitionTable"/>), or ota_0 and ota_1 for a bare dump.</summary>
        public OtaSlotLayout Layout { get; } = layout;

        /// <summary>The layout comes from a partition table, not the bare-dump assumption.</summary>
        public bool FromTable { get; } = fromTable;

        public void Dispose() => cipher?.Dispose();
    }

    /// <summary>What a bare 8 KB dump is assumed to come from: ota_0 and ota_1 (the table is not in the file).</summary>
    private static readonly OtaSlotLayout DumpLayout = new(OtaAppCount: 2, HasFactory: false);

    private static Located Locate(FileInfo file, FileInfo? keyFile, int tableOffset)
    {
        byte[] image = OutputFile.ReadInput(file.FullName, "image");
        Esp32FlashCipher? cipher = keyFile is null ? null : new Esp32FlashCipher(OutputFile.ReadInput(keyFile.FullName, "key file"));
        if (image.Length == OtaDataPartition.PartitionSize)
            return new Located(image, Window(image, 0, image.Length, cipher, 0), DumpLayout, fromTable: false, cipher);
        if (image.Length < tableOffset + PartitionTable.SectorSize || image.Length % FlashGeometry.SectorSize != 0)
            throw new Esp32FormatException($"{file.Name} ({image.Length} bytes) is neither an 8 KB otadata dump nor a flash image holding a partition table at 0x{tableOffset:X}");

        byte[] tableBytes = image.AsSpan(tableOffset, PartitionTable.MaxLength).ToArray();
        cipher?.DecryptInPlace(tableOffset, tableBytes);
        PartitionTable table = PartitionTable.FromBinary(tableBytes, new PartitionTableOptions { TableOffset = (uint)tableOffset, Verify = false });
        PartitionEntry otadata = table.OtaData ?? throw new Esp32FormatException($"the partition table of {file.Name} has no otadata partition");
        return new Located(image, Window(image, (int)otadata.Offset, (int)otadata.Size, cipher, (int)otadata.Offset), OtaSlotLayout.FromPartitionTable(table), fromTable: true, cipher);
    }

    private static IFlashIo Window(byte[] image, int offset, int size, Esp32FlashCipher? cipher, int flashAddress) =>
        new ImageWindow(image, offset, size, cipher, flashAddress);

    /// <summary>A partition-sized window onto the file's bytes, flash-encrypted like the device's cache when a key is given.</summary>
    private sealed class ImageWindow(byte[] image, int offset, int size, Esp32FlashCipher? cipher, int flashAddress) : IFlashIo
    {
        public int Size => size;

        public void Read(int at, Span<byte> destination)
        {
            if (cipher is null)
            {
                image.AsSpan(offset + at, destination.Length).CopyTo(destination);
                return;
            }

            // Decrypt the covering 16-byte blocks, as the flash cache does.
            int start = at & ~15;
            var blocks = image.AsSpan(offset + start, ((at + destination.Length + 15) & ~15) - start).ToArray();
            cipher.DecryptInPlace(flashAddress + start, blocks);
            blocks.AsSpan(at - start, destination.Length).CopyTo(destination);
        }

        public void Write(int at, ReadOnlySpan<byte> data)
        {
            byte[] bytes = cipher is null ? data.ToArray() : cipher.Encrypt(flashAddress + at, data);
            for (int i = 0; i < bytes.Length; i++)
                image[offset + at + i] &= bytes[i];
        }

        public void Erase(int at, int length) => image.AsSpan(offset + at, length).Fill(0xFF);
    }
}
