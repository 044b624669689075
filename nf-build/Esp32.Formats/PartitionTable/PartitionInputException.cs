namespace Esp32.Formats.PartitionTable;

/// <summary>
/// gen_esp32part's <c>InputError</c> for one CSV field or row, before the reader adds the line number and
/// turns it into an <see cref="Esp32FormatException"/>.
/// </summary>
internal sealed class PartitionInputException(string message) : Exception(message);
