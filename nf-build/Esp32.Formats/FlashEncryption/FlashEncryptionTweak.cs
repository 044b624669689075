using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// The original ESP32's per-block key tweak: for every 32-byte block of flash the AES-256 key is the eFuse
/// key with some of its bits XORed with bits 5..23 of the block's flash address. This mirrors espsecure's
/// <c>_FLASH_ENCRYPTION_TWEAK_PATTERN</c>, <c>_flash_encryption_tweak_range_bits</c> and
/// <c>_flash_encryption_tweak_key</c>; espsecure computes the same thing with two big-integer multiplications,
/// this class uses the readable bit-pattern form (which espsecure's comment describes and which matches the
/// multiplication form for every address below 16 MB — a unit test checks that).
/// </summary>
/// <remarks>
/// Key bit n is numbered from the most significant bit of byte 0 of the key (espsecure's big-endian order).
/// The 256 key bits form four ranges, each enabled by one FLASH_CRYPT_CONFIG bit:
/// bit0 → key bits 0..66, bit1 → 67..131, bit2 → 132..194, bit3 → 195..255. Inside range r the address bits
/// used are 23..5 three times over, then a shorter run from 14/12/10/8 (for r = 0/1/2/3) down to 5.
/// Only address bits 5..23 are used, so the key is constant inside a 32-byte block and repeats every 16 MB.
/// Threat: the tweak is public; it only stops identical plaintext in different 32-byte blocks from giving
/// identical ciphertext. FLASH_CRYPT_CONFIG 0 disables it (plain ECB), which the bootloader never burns.
/// </remarks>
public static class FlashEncryptionTweak
{
    /// <summary>FLASH_CRYPT_CONFIG that tweaks all 256 key bits; what the ESP-IDF bootloader burns (0xF).</summary>
    public const int FullTweak = 0xF;

    /// <summary>Size of the flash address space the tweak covers (24 address bits, 16 MB).</summary>
    public const int AddressSpaceSize = 1 << 24;

    /// <summary>Lowest flash address bit used by the tweak (the key changes every 32 bytes).</summary>
    public const int LowestAddressBit = 5;

    /// <summary>Highest flash address bit used by the tweak.</summary>
    public const int HighestAddressBit = 23;

    private const int AddressBitCount = HighestAddressBit - LowestAddressBit + 1; // 19

    /// <summary>First key bit of each FLASH_CRYPT_CONFIG range, plus the end (256).</summary>
    private static readonly int[] RangeStart = [0, 67, 132, 195, 256];

    /// <summary>Top address bit of the short run that ends each range.</summary>
    private static readonly int[] RangeTailTop = [14, 12, 10, 8];

    private static readonly byte[] AddressBitOfKeyBit = BuildPattern();

    /// <summary>Per FLASH_CRYPT_CONFIG: for each address bit 5..23, the key bits it flips, as 4 big-endian ulongs.</summary>
    private static readonly ulong[][] MasksByConfig = BuildAllMasks();

    /// <summary>The flash address bit (5..23) that flips key bit <paramref name="keyBit"/> (0 = MSB of key byte 0).</summary>
    public static int AddressBitFor(int keyBit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keyBit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyBit, 255);
        return AddressBitOfKeyBit[keyBit];
    }

    /// <summary>Whether key bit <paramref name="keyBit"/> is tweaked under <paramref name="flashCryptConfig"/>.</summary>
    public static bool IsKeyBitTweaked(int keyBit, int flashCryptConfig)
    {
        ValidateConfig(flashCryptConfig);
        ArgumentOutOfRangeException.ThrowIfNegative(keyBit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyBit, 255);
        for (int r = 0; r < 4; r++)
        {
            if (keyBit < RangeStart[r + 1])
                return (flashCryptConfig & (1 << r)) != 0;
        }
        return false;
    }

    /// <summary>
    /// Writes the AES-256 key used for the 32-byte block containing <paramref name="flashAddress"/>:
    /// <paramref name="key"/> (32 bytes, espsecure order) with the tweak for that address applied.
    /// </summary>
    public static void DeriveBlockKey(ReadOnlySpan<byte> key, int flashCryptConfig, int flashAddress, Span<byte> blockKey)
    {
        if (key.Length != FlashEncryptionKeyFile.Size256)
            throw new ArgumentException($"the expanded flash encryption key must be 32 bytes, got {key.Length}", nameof(key));
        if (blockKey.Length != FlashEncryptionKeyFile.Size256)
            throw new ArgumentException($"the block key buffer must be 32 bytes, got {blockKey.Length}", nameof(blockKey));
        ValidateConfig(flashCryptConfig);
        if ((uint)flashAddress >= AddressSpaceSize)
            throw new ArgumentOutOfRangeException(nameof(flashAddress), $"flash address 0x{flashAddress:X} is outside the 16 MB ESP32 flash address space");
        Span<ulong> words = stackalloc ulong[4];
        LoadKey(key, words);
        DeriveBlockKey(words, MasksFor(flashCryptConfig), flashAddress, blockKey);
        words.Clear();
    }

    internal static void ValidateConfig(int flashCryptConfig)
    {
        if (flashCryptConfig is < 0 or > FullTweak)
            throw new Esp32FormatException($"FLASH_CRYPT_CONFIG is a 4-bit eFuse (0x0..0xF), got 0x{flashCryptConfig:X}");
    }

    internal static ulong[] MasksFor(int flashCryptConfig) => MasksByConfig[flashCryptConfig];

    /// <summary>Reads the 32-byte key as four big-endian 64-bit words (word 0 holds key bits 0..63).</summary>
    internal static void LoadKey(ReadOnlySpan<byte> key, Span<ulong> words)
    {
        for (int i = 0; i < 4; i++)
            words[i] = BinaryPrimitives.ReadUInt64BigEndian(key.Slice(i * 8, 8));
    }

    /// <summary>Hot path: XOR in the mask of every set address bit 5..23, then store big-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DeriveBlockKey(ReadOnlySpan<ulong> key, ulong[] masks, int flashAddress, Span<byte> blockKey)
    {
        ulong w0 = key[0], w1 = key[1], w2 = key[2], w3 = key[3];
        uint bits = ((uint)flashAddress >> LowestAddressBit) & ((1u << AddressBitCount) - 1);
        while (bits != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(bits) * 4;
            w0 ^= masks[i];
            w1 ^= masks[i + 1];
            w2 ^= masks[i + 2];
            w3 ^= masks[i + 3];
            bits &= bits - 1;
        }
        BinaryPrimitives.WriteUInt64BigEndian(blockKey, w0);
        BinaryPrimitives.WriteUInt64BigEndian(blockKey[8..], w1);
        BinaryPrimitives.WriteUInt64BigEndian(blockKey[16..], w2);
        BinaryPrimitives.WriteUInt64BigEndian(blockKey[24..], w3);
    }

    private static byte[] BuildPattern()
    {
        var pattern = new byte[256];
        int n = 0;
        for (int r = 0; r < 4; r++)
        {
            for (int repeat = 0; repeat < 3; repeat++)
            {
                for (int bit = HighestAddressBit; bit >= LowestAddressBit; bit--)
                    pattern[n++] = (byte)bit;
            }
            for (int bit = RangeTailTop[r]; bit >= LowestAddressBit; bit--)
                pattern[n++] = (byte)bit;
            if (n != RangeStart[r + 1])
                throw new InvalidOperationException("flash encryption tweak pattern does not match its key-bit ranges");
        }
        return pattern;
    }

    private static ulong[][] BuildAllMasks()
    {
        var all = new ulong[FullTweak + 1][];
        for (int config = 0; config <= FullTweak; config++)
        {
            var masks = new ulong[AddressBitCount * 4];
            for (int r = 0; r < 4; r++)
            {
                if ((config & (1 << r)) == 0)
                    continue;
                for (int keyBit = RangeStart[r]; keyBit < RangeStart[r + 1]; keyBit++)
                {
                    int slot = (AddressBitOfKeyBit[keyBit] - LowestAddressBit) * 4 + keyBit / 64;
                    masks[slot] |= 1UL << (63 - keyBit % 64);
                }
            }
            all[config] = masks;
        }
        return all;
    }
}
