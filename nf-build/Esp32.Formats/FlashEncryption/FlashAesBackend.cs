namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// Which AES implementation <see cref="Esp32FlashCipher"/> uses. Flash encryption re-keys AES every 32 bytes,
/// so the cost is dominated by key setup: the platform AES (OpenSSL/CNG) builds a cipher context per key
/// (~1–2 µs), while AES-NI expands a key in a few dozen instructions (≈10× faster on a 4 MB image).
/// Both give identical output; tests run every known answer through both.
/// </summary>
public enum FlashAesBackend
{
    /// <summary>AES-NI when the CPU has it, otherwise <see cref="SystemCryptography"/>.</summary>
    Auto,

    /// <summary><see cref="System.Security.Cryptography.Aes"/> (ECB), re-keyed per 32-byte block.</summary>
    SystemCryptography,

    /// <summary>x86 AES-NI instructions (<see cref="System.Runtime.Intrinsics.X86.Aes"/>); not available on every CPU.</summary>
    AesNi,
}
