namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// Transforms the 16 or 32 bytes that share one tweaked key: each 16-byte block is byte-reversed, run through
/// AES-256 (decrypt to encrypt flash, encrypt to decrypt flash — "AES is used inverted", espsecure) and reversed back.
/// </summary>
internal interface IFlashBlockAes : IDisposable
{
    void Process(ReadOnlySpan<byte> blockKey, Span<byte> chunk, bool encryptFlash);
}

/// <summary>Creates the <see cref="IFlashBlockAes"/> for a <see cref="FlashAesBackend"/>.</summary>
internal static class FlashBlockAes
{
    public static FlashAesBackend Resolve(FlashAesBackend backend) => backend switch
    {
        FlashAesBackend.Auto => AesNiFlashBlockAes.IsSupported ? FlashAesBackend.AesNi : FlashAesBackend.SystemCryptography,
        FlashAesBackend.AesNi when !AesNiFlashBlockAes.IsSupported =>
            throw new PlatformNotSupportedException("this CPU has no AES-NI; use FlashAesBackend.Auto or SystemCryptography"),
        FlashAesBackend.AesNi or FlashAesBackend.SystemCryptography => backend,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown AES backend"),
    };

    public static IFlashBlockAes Create(FlashAesBackend resolved) =>
        resolved == FlashAesBackend.AesNi ? new AesNiFlashBlockAes() : new SystemFlashBlockAes();
}
