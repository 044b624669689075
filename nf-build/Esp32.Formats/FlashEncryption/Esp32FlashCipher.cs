using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// Original-ESP32 flash encryption (not the XTS-AES of the S2/S3/C3), byte-identical to espsecure's
/// <c>encrypt_flash_data</c>/<c>decrypt_flash_data</c> without <c>--aes-xts</c>
/// (<c>_flash_encryption_operation_esp32</c>): for every 16-byte block at flash address A, the key is the
/// eFuse key tweaked for A's 32-byte block (<see cref="FlashEncryptionTweak"/>), the 16 bytes are reversed,
/// run through AES-256-ECB, and reversed again. The AES direction is inverted: encrypting flash contents
/// uses the AES <em>decrypt</em> operation and reading them back uses AES <em>encrypt</em>, as the hardware does.
/// </summary>
/// <remarks>
/// <para>Addresses are absolute flash addresses (the tweak depends on them), must be 16-byte aligned, and
/// data must be whole 16-byte blocks (espsecure pads a short tail with random bytes; a simulator must not).
/// The whole range must lie inside the 16 MB that the 24-bit tweak covers.</para>
/// <para>Threat: ciphertext alone reveals, per 32-byte block, whether its two 16-byte halves are equal
/// (ECB inside the block) and, across dumps, which blocks changed; it reveals nothing else without the key.
/// There is no integrity: flipping ciphertext garbles a 16-byte block undetectably, which is why the
/// bootloader/app images carry their own checksums or signatures.</para>
/// <para>The AES key changes every 32 bytes, so key setup dominates the cost; see <see cref="FlashAesBackend"/>.
/// An instance is not thread-safe; with the platform AES the array-returning methods split large inputs over
/// the cores with an AES object per worker.</para>
/// </remarks>
public sealed class Esp32FlashCipher : IDisposable
{
    /// <summary>Flash encryption works on 16-byte AES blocks.</summary>
    public const int BlockSize = 16;

    /// <summary>Inputs at least this long are split over the cores (platform AES only) by the array-returning methods.</summary>
    private const int ParallelThreshold = 256 * 1024;

    private readonly ulong[] _key = new ulong[4];
    private readonly ulong[] _masks;
    private readonly IFlashBlockAes _aes;
    private bool _disposed;

    /// <summary>
    /// Creates a cipher for a key file (32 bytes, or 24 under the 3/4 coding scheme, in espsecure order) and a
    /// FLASH_CRYPT_CONFIG value (0x0..0xF; the bootloader burns 0xF).
    /// </summary>
    /// <param name="keyFile">The espsecure key file contents.</param>
    /// <param name="flashCryptConfig">FLASH_CRYPT_CONFIG eFuse value.</param>
    /// <param name="backend">AES implementation; <see cref="FlashAesBackend.Auto"/> picks AES-NI when present.</param>
    public Esp32FlashCipher(ReadOnlySpan<byte> keyFile, int flashCryptConfig = FlashEncryptionTweak.FullTweak, FlashAesBackend backend = FlashAesBackend.Auto)
    {
        FlashEncryptionTweak.ValidateConfig(flashCryptConfig);
        Backend = FlashBlockAes.Resolve(backend);
        byte[] key = FlashEncryptionKeyFile.Expand(keyFile);
        FlashEncryptionTweak.LoadKey(key, _key);
        CryptographicOperations.ZeroMemory(key);
        _masks = FlashEncryptionTweak.MasksFor(flashCryptConfig);
        FlashCryptConfig = flashCryptConfig;
        _aes = FlashBlockAes.Create(Backend);
    }

    /// <summary>True when this CPU supports <see cref="FlashAesBackend.AesNi"/>.</summary>
    public static bool IsAesNiSupported => AesNiFlashBlockAes.IsSupported;

    /// <summary>The AES implementation in use (never <see cref="FlashAesBackend.Auto"/>).</summary>
    public FlashAesBackend Backend { get; }

    /// <summary>The FLASH_CRYPT_CONFIG value this cipher applies.</summary>
    public int FlashCryptConfig { get; }

    /// <summary>Encrypts plaintext in place as the flash encryption engine writes it at <paramref name="flashAddress"/>.</summary>
    public void EncryptInPlace(int flashAddress, Span<byte> data)
    {
        Validate(flashAddress, data.Length);
        ThrowIfDisposed();
        Transform(_aes, _key, _masks, flashAddress, data, encryptFlash: true);
    }

    /// <summary>Decrypts flash contents in place as the flash cache returns them when read at <paramref name="flashAddress"/>.</summary>
    public void DecryptInPlace(int flashAddress, Span<byte> data)
    {
        Validate(flashAddress, data.Length);
        ThrowIfDisposed();
        Transform(_aes, _key, _masks, flashAddress, data, encryptFlash: false);
    }

    /// <summary>Returns the ciphertext of <paramref name="plaintext"/> placed at <paramref name="flashAddress"/> (espsecure encrypt-flash-data).</summary>
    public byte[] Encrypt(int flashAddress, ReadOnlySpan<byte> plaintext) => TransformCopy(flashAddress, plaintext, encryptFlash: true);

    /// <summary>Returns the plaintext of <paramref name="ciphertext"/> read from <paramref name="flashAddress"/> (espsecure decrypt-flash-data).</summary>
    public byte[] Decrypt(int flashAddress, ReadOnlySpan<byte> ciphertext) => TransformCopy(flashAddress, ciphertext, encryptFlash: false);

    /// <summary>Releases the AES object (and with it the key schedule).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Array.Clear(_key);
        _aes.Dispose();
    }

    /// <summary>Checks the espsecure preconditions and the 16 MB limit; throws <see cref="Esp32FormatException"/>.</summary>
    public static void Validate(int flashAddress, int length)
    {
        if (flashAddress < 0)
            throw new Esp32FormatException($"flash encryption address 0x{flashAddress:X} is negative");
        if (flashAddress % BlockSize != 0)
            throw new Esp32FormatException($"flash encryption start address 0x{flashAddress:X} must be a multiple of 16");
        if (length % BlockSize != 0)
            throw new Esp32FormatException(
                $"flash encryption data at 0x{flashAddress:X} is {length} bytes, not a multiple of 16 (16-byte AES blocks)");
        if ((long)flashAddress + length > FlashEncryptionTweak.AddressSpaceSize)
            throw new Esp32FormatException(
                $"flash encryption range 0x{flashAddress:X}+0x{length:X} goes beyond the ESP32's 16 MB (24-bit) flash address space");
    }

    private byte[] TransformCopy(int flashAddress, ReadOnlySpan<byte> input, bool encryptFlash)
    {
        Validate(flashAddress, input.Length);
        ThrowIfDisposed();
        byte[] output = input.ToArray();
        // Only the platform AES is worth spreading over cores: AES-NI does a 4 MB image in ~12 ms on one core,
        // less than the cost of starting workers.
        int workers = Backend == FlashAesBackend.SystemCryptography
            ? Math.Min(Environment.ProcessorCount, output.Length / ParallelThreshold)
            : 1;
        if (workers < 2)
        {
            Transform(_aes, _key, _masks, flashAddress, output, encryptFlash);
            return output;
        }

        // Chunks start on 32-byte boundaries so every chunk begins a fresh key block; each worker owns its Aes.
        int chunk = (output.Length / workers + 31) & ~31;
        Parallel.For(0, workers, w =>
        {
            int start = w * chunk;
            if (start >= output.Length)
                return;
            int length = Math.Min(chunk, output.Length - start);
            using var aes = FlashBlockAes.Create(Backend);
            Transform(aes, _key, _masks, flashAddress + start, output.AsSpan(start, length), encryptFlash);
        });
        return output;
    }

    /// <summary>
    /// The block loop of <c>_flash_encryption_operation_esp32</c>: one key per 32-byte block, derived once and used
    /// for both of its 16-byte halves (espsecure re-keys when <c>block_offs % 32 == 0</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transform(IFlashBlockAes aes, ReadOnlySpan<ulong> key, ulong[] masks, int flashAddress, Span<byte> data, bool encryptFlash)
    {
        Span<byte> blockKey = stackalloc byte[32];
        Span<byte> blockKeys4 = stackalloc byte[32 * AesNiFlashBlockAes.Lanes];
        var lanes = aes as AesNiFlashBlockAes;
        try
        {
            int pos = 0;
            while (pos < data.Length)
            {
                int address = flashAddress + pos;
                if (lanes is not null && (address & 31) == 0 && data.Length - pos >= blockKeys4.Length)
                {
                    // AES-NI: four 32-byte key blocks at once (same keys, same operations, interleaved).
                    for (int lane = 0; lane < AesNiFlashBlockAes.Lanes; lane++)
                        FlashEncryptionTweak.DeriveBlockKey(key, masks, address + 32 * lane, blockKeys4.Slice(32 * lane, 32));
                    lanes.Process4(blockKeys4, data.Slice(pos, blockKeys4.Length), encryptFlash);
                    pos += blockKeys4.Length;
                    continue;
                }
                // A 16-aligned start in the upper half of a 32-byte block gets one 16-byte block with that key.
                int n = Math.Min(32 - (address & 31), data.Length - pos);
                FlashEncryptionTweak.DeriveBlockKey(key, masks, address, blockKey);
                aes.Process(blockKey, data.Slice(pos, n), encryptFlash);
                pos += n;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blockKey);
            CryptographicOperations.ZeroMemory(blockKeys4);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
