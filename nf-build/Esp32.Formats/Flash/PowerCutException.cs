namespace Esp32.Formats.Flash;

/// <summary>
/// Thrown by <see cref="PowerCutFlash"/> when simulated power fails: by the torn operation itself and by
/// every flash access after it until <see cref="PowerCutFlash.Restore"/>.
/// </summary>
public sealed class PowerCutException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> names the operation that was cut.</summary>
    public PowerCutException(string message) : base(message) { }
}
