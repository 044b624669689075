namespace Esp32.Formats.Efuse;

/// <summary>
/// An eFuse burn that real hardware (and espefuse) refuses: clearing an already burned bit, writing a
/// write-protected field, a value wider than the field, or a key of the wrong size. The message names the field.
/// </summary>
public sealed class EfuseBurnException : Exception
{
    /// <summary>Creates the exception with a message naming the field and the reason.</summary>
    public EfuseBurnException(string message) : base(message) { }
}
