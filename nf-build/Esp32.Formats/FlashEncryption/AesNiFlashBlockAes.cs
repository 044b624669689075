using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// <see cref="IFlashBlockAes"/> on x86 AES-NI: the standard AES-256 key expansion with AESKEYGENASSIST
/// (Intel's AES-NI white paper), the equivalent inverse cipher (AESIMC round keys) for decryption, and
/// PSHUFB for the 16-byte reversal. Constant-time like the platform AES; verified against it by the tests.
/// </summary>
internal sealed class AesNiFlashBlockAes : IFlashBlockAes
{
    public static bool IsSupported => X86Aes.IsSupported && Sse2.IsSupported;

    private static readonly Vector128<byte> ReverseBytes =
        Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(ReadOnlySpan<byte> blockKey, Span<byte> chunk, bool encryptFlash)
    {
        Span<Vector128<byte>> roundKeys = stackalloc Vector128<byte>[15];
        ExpandKey(blockKey, roundKeys);
        if (encryptFlash)
            ToDecryptionKeys(roundKeys);

        for (int b = 0; b < chunk.Length; b += 16)
        {
            Span<byte> block = chunk.Slice(b, 16);
            var x = Vector128.Shuffle(Vector128.Create((ReadOnlySpan<byte>)block), ReverseBytes);
            x = encryptFlash ? DecryptBlock(x, roundKeys) : EncryptBlock(x, roundKeys);
            Vector128.Shuffle(x, ReverseBytes).CopyTo(block);
        }
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(roundKeys));
    }

    public void Dispose()
    {
    }

    /// <summary>FIPS-197 AES-256 key expansion: 15 round keys from a 32-byte key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpandKey(ReadOnlySpan<byte> key, Span<Vector128<byte>> rk)
    {
        var k1 = Vector128.Create(key[..16]);
        var k2 = Vector128.Create(key[16..32]);
        rk[0] = k1;
        rk[1] = k2;
        // AESKEYGENASSIST needs a constant round constant, hence the unrolled rounds (rcon 01..40).
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x01)); rk[2] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[3] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x02)); rk[4] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[5] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x04)); rk[6] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[7] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x08)); rk[8] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[9] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x10)); rk[10] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[11] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x20)); rk[12] = k1;
        k2 = NextOdd(k2, X86Aes.KeygenAssist(k1, 0x00)); rk[13] = k2;
        k1 = NextEven(k1, X86Aes.KeygenAssist(k2, 0x40)); rk[14] = k1;
    }

    /// <summary>Round keys 2i: prefix-XOR of the previous even key plus RotWord(SubWord(w)) ^ rcon (dword 3 broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NextEven(Vector128<byte> previous, Vector128<byte> assist) =>
        PrefixXor(previous) ^ Sse2.Shuffle(assist.AsInt32(), 0xFF).AsByte();

    /// <summary>Round keys 2i+1: prefix-XOR of the previous odd key plus SubWord(w) (dword 2 broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NextOdd(Vector128<byte> previous, Vector128<byte> assist) =>
        PrefixXor(previous) ^ Sse2.Shuffle(assist.AsInt32(), 0xAA).AsByte();

    /// <summary>w0, w0^w1, w0^w1^w2, w0^w1^w2^w3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> PrefixXor(Vector128<byte> k)
    {
        var t = Sse2.ShiftLeftLogical128BitLane(k, 4);
        k ^= t;
        t = Sse2.ShiftLeftLogical128BitLane(t, 4);
        k ^= t;
        t = Sse2.ShiftLeftLogical128BitLane(t, 4);
        return k ^ t;
    }

    /// <summary>Turns encryption round keys into the equivalent-inverse-cipher keys, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ToDecryptionKeys(Span<Vector128<byte>> rk)
    {
        rk.Reverse();
        for (int i = 1; i < 14; i++)
            rk[i] = X86Aes.InverseMixColumns(rk[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<byte> EncryptBlock(Vector128<byte> x, ReadOnlySpan<Vector128<byte>> rk)
    {
        x ^= rk[0];
        for (int r = 1; r < 14; r++)
            x = X86Aes.Encrypt(x, rk[r]);
        return X86Aes.EncryptLast(x, rk[14]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<byte> DecryptBlock(Vector128<byte> x, ReadOnlySpan<Vector128<byte>> dk)
    {
        x ^= dk[0];
        for (int r = 1; r < 14; r++)
            x = X86Aes.Decrypt(x, dk[r]);
        return X86Aes.DecryptLast(x, dk[14]);
    }
}
