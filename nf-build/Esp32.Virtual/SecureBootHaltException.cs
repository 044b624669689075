namespace Esp32.Virtual;

/// <summary>
/// The ESP32 v3 ROM refused the second-stage bootloader under secure boot v2 (ABS_DONE_1 burned): its signature block
/// is missing, signed by a key other than the BLOCK2 digest's, or does not verify. A real chip prints
/// "secure boot check fail" and halts; nothing runs until a correctly signed bootloader is flashed.
/// </summary>
public sealed class SecureBootHaltException(string reason) : Exception($"secure boot check fail: the bootloader {reason}")
{
    /// <summary>Why the signature check failed.</summary>
    public string Reason { get; } = reason;
}
