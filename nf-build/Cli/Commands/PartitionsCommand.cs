using System.CommandLine;
using Esp32.Formats.PartitionTable;

namespace NfBuild.Cli.Commands;

/// <summary>`partitions build|show`: partition tables with gen_esp32part.py's CSV dialect and binary format.</summary>
internal static class PartitionsCommand
{
    public static Command Create()
    {
        var partitions = new Command("partitions", "ESP-IDF partition tables (gen_esp32part.py semantics, 4 MB flash by default).");
        partitions.Add(Build());
        partitions.Add(Show());
        return partitions;
    }

    private static Option<int> FlashSize() => new("--flash-size")
    {
        Description = "Flash size the table must fit (decimal, 0x-hex, or with K/M: 4M).",
        DefaultValueFactory = _ => 4 * 1024 * 1024,
        CustomParser = NumberParser.ParseIntArgument,
    };

    private static Option<int> TableOffset() => new("--offset")
    {
        Description = "Partition table offset (CONFIG_PARTITION_TABLE_OFFSET).",
        DefaultValueFactory = _ => (int)PartitionTable.DefaultOffset,
        CustomParser = NumberParser.ParseIntArgument,
    };

    private static Command Build()
    {
        var csv = new Argument<FileInfo>("csv") { Description = "Partition table CSV: Name, Type, SubType, Offset, Size, Flags." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Output binary (3072 bytes, with MD5 row).", Required = true };
        var flashSize = FlashSize();
        var offset = TableOffset();
        var command = new Command("build", "Verify a partition table CSV and write its binary form (gen_esp32part.py CSV → binary).") { csv, output, flashSize, offset };
        command.SetAction(parse =>
        {
            var options = new PartitionTableOptions { FlashSize = parse.GetValue(flashSize), TableOffset = (uint)parse.GetValue(offset) };
            byte[] text = OutputFile.ReadInput(parse.GetValue(csv)!.FullName, "partition table CSV");
            PartitionTable table = PartitionTable.FromCsv(System.Text.Encoding.UTF8.GetString(text), options);
            byte[] binary = table.ToBinary();
            OutputFile.Write(parse.GetValue(output)!.FullName, binary);
            parse.InvocationConfiguration.Output.WriteLine($"{table.Entries.Count} partitions, {binary.Length} bytes written to {parse.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var input = new Argument<FileInfo>("table") { Description = "Partition table as CSV or binary (detected from the content, as gen_esp32part.py does)." };
        var flashSize = FlashSize();
        var offset = TableOffset();
        var command = new Command("show", "Verify a partition table and print it in gen_esp32part.py's CSV form.") { input, flashSize, offset };
        command.SetAction(parse =>
        {
            var options = new PartitionTableOptions { FlashSize = parse.GetValue(flashSize), TableOffset = (uint)parse.GetValue(offset) };
            PartitionTable table = PartitionTable.Load(OutputFile.ReadInput(parse.GetValue(input)!.FullName, "partition table"), options);
            parse.InvocationConfiguration.Output.Write(table.ToCsv());
            return 0;
        });
        return command;
    }
}
