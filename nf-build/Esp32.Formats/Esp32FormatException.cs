namespace Esp32.Formats;

/// <summary>
/// Input that is not a valid ESP32 structure (truncated, oversized, wrong magic, bad CRC, overlapping,
/// misaligned…). The message always names what is wrong and where (CSV line, byte offset, entry index),
/// so the CLI can print it as-is.
/// </summary>
public sealed class Esp32FormatException : Exception
{
    public Esp32FormatException(string message) : base(message) { }
    public Esp32FormatException(string message, Exception inner) : base(message, inner) { }
}
