namespace Esp32.Formats.PartitionTable;

/// <summary>
/// The gen_esp32part.py command-line settings that change how a table is parsed, checked and written.
/// The defaults are the tool's defaults.
/// </summary>
public sealed record PartitionTableOptions
{
    /// <summary>The options gen_esp32part.py runs with when given no flags.</summary>
    public static PartitionTableOptions Default { get; } = new();

    /// <summary><c>--offset</c> (CONFIG_PARTITION_TABLE_OFFSET): flash address of the table; the first
    /// partition may start at this + 0x1000.</summary>
    public uint TableOffset { get; init; } = PartitionTable.DefaultOffset;

    /// <summary><c>--secure</c>: required alignment of app partition sizes.</summary>
    public SecureBootMode SecureBoot { get; init; } = SecureBootMode.None;

    /// <summary><c>--flash-size</c> in bytes: when set, the table must end within it.</summary>
    public long? FlashSize { get; init; }

    /// <summary>Opposite of <c>--no-verify</c>: run <see cref="PartitionTable.Verify"/> after parsing.</summary>
    public bool Verify { get; init; } = true;

    /// <summary><c>--primary-bootloader-offset</c>, needed by rows of type <c>bootloader</c>.</summary>
    public uint? PrimaryBootloaderOffset { get; init; }

    /// <summary><c>--recovery-bootloader-offset</c>, needed by a <c>bootloader, recovery</c> row.</summary>
    public uint? RecoveryBootloaderOffset { get; init; }

    /// <summary>
    /// Values for <c>$NAME</c>/<c>${NAME}</c> in CSV lines (gen_esp32part expands the process
    /// environment with os.path.expandvars). Null means no variables are defined; pass
    /// <c>Environment.GetEnvironmentVariables()</c> contents to behave like the tool.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
}
