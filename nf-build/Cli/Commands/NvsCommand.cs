using System.CommandLine;
using Esp32.Formats.Nvs;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `nvs generate|keys|dump`: NVS partition images in nvs_partition_gen.py's CSV dialect, NVS encryption
/// keys partitions, and listings of existing images.
/// </summary>
internal static class NvsCommand
{
    public static Command Create()
    {
        var nvs = new Command("nvs", "ESP-IDF NVS partitions (format version 2), plain or with NVS encryption.");
        nvs.Add(Generate());
        nvs.Add(Keys());
        nvs.Add(Dump());
        return nvs;
    }

    private static Command Generate()
    {
        var csv = new Argument<FileInfo>("csv") { Description = "Input CSV: key,type,encoding,value (nvs_partition_gen.py dialect; 'file' rows are relative to the CSV's folder)." };
        var size = new Option<int>("--size") { Description = "Partition size in bytes: a multiple of 4096, at least 0x3000 (decimal or 0x-hex).", Required = true, CustomParser = NumberParser.ParseIntArgument };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Output image.", Required = true };
        var keys = new Option<FileInfo?>("--keys") { Description = "nvs_keys partition (from `nvs keys`): write the image NVS-encrypted with its keys." };
        var command = new Command("generate", "Generate an NVS partition image from a CSV file, like nvs_partition_gen.py generate/encrypt.") { csv, size, output, keys };
        command.SetAction(parse =>
        {
            FileInfo input = parse.GetValue(csv)!;
            FileInfo? keysFile = parse.GetValue(keys);
            byte[]? key = keysFile is null ? null : ReadKeys(keysFile).ToXtsKey();
            if (!input.Exists)
                throw new CliUsageException($"CSV file '{input.FullName}' does not exist");
            byte[] image = NvsPartitionGenerator.GenerateFromFile(input.FullName, parse.GetValue(size), new NvsGeneratorOptions
            {
                BaseDirectory = input.DirectoryName,
                EncryptionKey = key,
                SourceName = input.Name,
            });
            OutputFile.Write(parse.GetValue(output)!.FullName, image);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {image.Length} bytes{(key is null ? "" : ", NVS-encrypted")} to {parse.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Keys()
    {
        var output = new Option<FileInfo>("--output", "-o") { Description = "Output nvs_keys partition image (4096 bytes).", Required = true };
        var command = new Command("keys", "Generate an nvs_keys partition (XTS encryption key + tweak key + CRC) from the system's cryptographic RNG.") { output };
        command.SetAction(parse =>
        {
            // The keys are as secret as the device identity they protect: they are written to a file only
            // for provisioning, which then flash-encrypts the nvs_keys partition on the device.
            byte[] partition = NvsKeysPartition.Build(NvsKeys.Generate());
            OutputFile.Write(parse.GetValue(output)!.FullName, partition);
            parse.InvocationConfiguration.Output.WriteLine($"wrote NVS keys partition ({partition.Length} bytes) to {parse.GetValue(output)!.FullName}; keep it secret");
            return 0;
        });
        return command;
    }

    private static Command Dump()
    {
        var image = new Argument<FileInfo>("image") { Description = "NVS partition image." };
        var keys = new Option<FileInfo?>("--keys") { Description = "nvs_keys partition, to read an NVS-encrypted image." };
        var command = new Command("dump", "List the namespaces, keys, types and values of an NVS partition image, and any corrupt page or entry.") { image, keys };
        command.SetAction(parse =>
        {
            byte[] bytes = OutputFile.ReadInput(parse.GetValue(image)!.FullName, "NVS image");
            FileInfo? keysFile = parse.GetValue(keys);
            NvsDump dump = NvsReader.Read(bytes, keysFile is null ? null : ReadKeys(keysFile).ToXtsKey());
            parse.InvocationConfiguration.Output.Write(dump.ToText());
            return dump.Issues.Count == 0 ? 0 : 2;
        });
        return command;
    }

    private static NvsKeys ReadKeys(FileInfo file)
    {
        byte[] bytes = OutputFile.ReadInput(file.FullName, "NVS keys file");
        return NvsKeysPartition.Parse(bytes);
    }
}
