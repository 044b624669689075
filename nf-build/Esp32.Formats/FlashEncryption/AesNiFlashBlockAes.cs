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

    /// <summary>Key blocks <see cref="Process4"/> handles at once.</summary>
    public const int Lanes = 4;

    /// <summary>
    /// <see cref="Process"/> for four consecutive 32-byte key blocks (128 bytes of <paramref name="data"/>, four
    /// 32-byte keys in <paramref name="blockKeys"/>): the same operations, interleaved. One key expansion is a chain of
    /// dependent AESKEYGENASSIST/AESIMC steps and one block a chain of 14 AES rounds, so a single block leaves the AES
    /// unit idle most of the time; four independent expansions and eight independent blocks fill it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process4(ReadOnlySpan<byte> blockKeys, Span<byte> data, bool encryptFlash)
    {
        if (blockKeys.Length != 32 * Lanes || data.Length != 32 * Lanes)
            throw new ArgumentException("Process4 takes four 32-byte keys and 128 bytes of data");
        // rk[round * 4 + lane]
        Span<Vector128<byte>> rk = stackalloc Vector128<byte>[15 * Lanes];
        ExpandKeys4(blockKeys, rk);
        if (encryptFlash)
        {
            // Equivalent inverse cipher: rounds 1..13 through AESIMC (used in reverse order below).
            for (int i = Lanes; i < 14 * Lanes; i++)
                rk[i] = X86Aes.InverseMixColumns(rk[i]);
        }

        var x0 = Load(data, 0); var x1 = Load(data, 16); var x2 = Load(data, 32); var x3 = Load(data, 48);
        var x4 = Load(data, 64); var x5 = Load(data, 80); var x6 = Load(data, 96); var x7 = Load(data, 112);
        if (!encryptFlash)
        {
            x0 ^= rk[0]; x1 ^= rk[0]; x2 ^= rk[1]; x3 ^= rk[1]; x4 ^= rk[2]; x5 ^= rk[2]; x6 ^= rk[3]; x7 ^= rk[3];
            for (int r = 1; r < 14; r++)
            {
                int k = r * Lanes;
                x0 = X86Aes.Encrypt(x0, rk[k]); x1 = X86Aes.Encrypt(x1, rk[k]);
                x2 = X86Aes.Encrypt(x2, rk[k + 1]); x3 = X86Aes.Encrypt(x3, rk[k + 1]);
                x4 = X86Aes.Encrypt(x4, rk[k + 2]); x5 = X86Aes.Encrypt(x5, rk[k + 2]);
                x6 = X86Aes.Encrypt(x6, rk[k + 3]); x7 = X86Aes.Encrypt(x7, rk[k + 3]);
            }
            int l = 14 * Lanes;
            x0 = X86Aes.EncryptLast(x0, rk[l]); x1 = X86Aes.EncryptLast(x1, rk[l]);
            x2 = X86Aes.EncryptLast(x2, rk[l + 1]); x3 = X86Aes.EncryptLast(x3, rk[l + 1]);
            x4 = X86Aes.EncryptLast(x4, rk[l + 2]); x5 = X86Aes.EncryptLast(x5, rk[l + 2]);
            x6 = X86Aes.EncryptLast(x6, rk[l + 3]); x7 = X86Aes.EncryptLast(x7, rk[l + 3]);
        }
        else
        {
            int f = 14 * Lanes;
            x0 ^= rk[f]; x1 ^= rk[f]; x2 ^= rk[f + 1]; x3 ^= rk[f + 1]; x4 ^= rk[f + 2]; x5 ^= rk[f + 2]; x6 ^= rk[f + 3]; x7 ^= rk[f + 3];
            for (int r = 13; r >= 1; r--)
            {
                int k = r * Lanes;
                x0 = X86Aes.Decrypt(x0, rk[k]); x1 = X86Aes.Decrypt(x1, rk[k]);
                x2 = X86Aes.Decrypt(x2, rk[k + 1]); x3 = X86Aes.Decrypt(x3, rk[k + 1]);
                x4 = X86Aes.Decrypt(x4, rk[k + 2]); x5 = X86Aes.Decrypt(x5, rk[k + 2]);
                x6 = X86Aes.Decrypt(x6, rk[k + 3]); x7 = X86Aes.Decrypt(x7, rk[k + 3]);
            }
            x0 = X86Aes.DecryptLast(x0, rk[0]); x1 = X86Aes.DecryptLast(x1, rk[0]);
            x2 = X86Aes.DecryptLast(x2, rk[1]); x3 = X86Aes.DecryptLast(x3, rk[1]);
            x4 = X86Aes.DecryptLast(x4, rk[2]); x5 = X86Aes.DecryptLast(x5, rk[2]);
            x6 = X86Aes.DecryptLast(x6, rk[3]); x7 = X86Aes.DecryptLast(x7, rk[3]);
        }
        Store(x0, data, 0); Store(x1, data, 16); Store(x2, data, 32); Store(x3, data, 48);
        Store(x4, data, 64); Store(x5, data, 80); Store(x6, data, 96); Store(x7, data, 112);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(rk));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load(Span<byte> data, int at) => Vector128.Shuffle(Vector128.Create((ReadOnlySpan<byte>)data.Slice(at, 16)), ReverseBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<byte> x, Span<byte> data, int at) => Vector128.Shuffle(x, ReverseBytes).CopyTo(data.Slice(at, 16));

    /// <summary><see cref="ExpandKey"/> of four keys in lockstep, into rk[round * 4 + lane].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpandKeys4(ReadOnlySpan<byte> keys, Span<Vector128<byte>> rk)
    {
        var a0 = Vector128.Create(keys[..16]); var b0 = Vector128.Create(keys[16..32]);
        var a1 = Vector128.Create(keys[32..48]); var b1 = Vector128.Create(keys[48..64]);
        var a2 = Vector128.Create(keys[64..80]); var b2 = Vector128.Create(keys[80..96]);
        var a3 = Vector128.Create(keys[96..112]); var b3 = Vector128.Create(keys[112..128]);
        rk[0] = a0; rk[1] = a1; rk[2] = a2; rk[3] = a3;
        rk[4] = b0; rk[5] = b1; rk[6] = b2; rk[7] = b3;
        // AESKEYGENASSIST needs a constant round constant, hence the unrolled rounds (rcon 01..40).
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x01)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x01)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x01)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x01));
        Put(rk, 2, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 3, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x02)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x02)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x02)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x02));
        Put(rk, 4, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 5, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x04)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x04)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x04)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x04));
        Put(rk, 6, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 7, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x08)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x08)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x08)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x08));
        Put(rk, 8, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 9, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x10)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x10)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x10)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x10));
        Put(rk, 10, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 11, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x20)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x20)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x20)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x20));
        Put(rk, 12, a0, a1, a2, a3);
        b0 = NextOdd(b0, X86Aes.KeygenAssist(a0, 0x00)); b1 = NextOdd(b1, X86Aes.KeygenAssist(a1, 0x00)); b2 = NextOdd(b2, X86Aes.KeygenAssist(a2, 0x00)); b3 = NextOdd(b3, X86Aes.KeygenAssist(a3, 0x00));
        Put(rk, 13, b0, b1, b2, b3);
        a0 = NextEven(a0, X86Aes.KeygenAssist(b0, 0x40)); a1 = NextEven(a1, X86Aes.KeygenAssist(b1, 0x40)); a2 = NextEven(a2, X86Aes.KeygenAssist(b2, 0x40)); a3 = NextEven(a3, X86Aes.KeygenAssist(b3, 0x40));
        Put(rk, 14, a0, a1, a2, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Span<Vector128<byte>> rk, int round, Vector128<byte> l0, Vector128<byte> l1, Vector128<byte> l2, Vector128<byte> l3)
    {
        int i = round * Lanes;
        rk[i] = l0;
        rk[i + 1] = l1;
        rk[i + 2] = l2;
        rk[i + 3] = l3;
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
