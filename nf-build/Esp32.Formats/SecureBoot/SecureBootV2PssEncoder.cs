using System.Numerics;
using System.Security.Cryptography;

namespace Esp32.Formats.SecureBoot;

/// <summary>
/// RSASSA-PSS signing (RFC 8017 §8.1.1, EMSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt: espsecure's parameters) with a
/// salt the caller chooses, so a seeded test run signs reproducibly (the dry-run-equals-virtual check compares flash byte
/// for byte). .NET's <see cref="RSA.SignHash(byte[], HashAlgorithmName, RSASignaturePadding)"/> always draws its own salt;
/// real provisioning uses that (<see cref="SecureBootV2Signer.Sign"/>). Signatures from here verify with .NET's PSS.
/// </summary>
/// <remarks>Threat: a fixed or guessable salt does not weaken PSS's unforgeability (it is a randomised proof, not a
/// secret), but the private-key operation here is plain BigInteger arithmetic, not constant-time: use it for test keys only.</remarks>
public static class SecureBootV2PssEncoder
{
    public const int SaltLength = 32;

    /// <summary>The 384-byte big-endian signature of <paramref name="digest"/> with <paramref name="salt"/>.</summary>
    public static byte[] SignHashWithSalt(RSA key, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (digest.Length != 32 || salt.Length != SaltLength)
            throw new ArgumentException("SHA-256 digest and a 32-byte salt expected");
        RSAParameters p = key.ExportParameters(includePrivateParameters: true);
        try
        {
            int emLen = p.Modulus!.Length;
            byte[] em = Encode(digest, salt, emLen, emBits: key.KeySize - 1);
            var n = new BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
            var d = new BigInteger(p.D!, isUnsigned: true, isBigEndian: true);
            var m = new BigInteger(em, isUnsigned: true, isBigEndian: true);
            BigInteger s = BigInteger.ModPow(m, d, n);
            var signature = new byte[emLen];
            s.TryWriteBytes(signature.AsSpan(emLen - s.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            return signature;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
            CryptographicOperations.ZeroMemory(p.P);
            CryptographicOperations.ZeroMemory(p.Q);
            CryptographicOperations.ZeroMemory(p.DP);
            CryptographicOperations.ZeroMemory(p.DQ);
            CryptographicOperations.ZeroMemory(p.InverseQ);
        }
    }

    private static byte[] Encode(ReadOnlySpan<byte> mHash, ReadOnlySpan<byte> salt, int emLen, int emBits)
    {
        const int hLen = 32;
        // M' = 0x00 * 8 || mHash || salt; H = Hash(M')
        var mPrime = new byte[8 + hLen + salt.Length];
        mHash.CopyTo(mPrime.AsSpan(8));
        salt.CopyTo(mPrime.AsSpan(8 + hLen));
        byte[] h = SHA256.HashData(mPrime);

        // DB = PS || 0x01 || salt; maskedDB = DB xor MGF1(H)
        int dbLen = emLen - hLen - 1;
        var db = new byte[dbLen];
        db[dbLen - salt.Length - 1] = 0x01;
        salt.CopyTo(db.AsSpan(dbLen - salt.Length));
        byte[] mask = Mgf1(h, dbLen);
        for (int i = 0; i < dbLen; i++)
            db[i] ^= mask[i];
        db[0] &= (byte)(0xFF >> (8 * emLen - emBits));

        var em = new byte[emLen];
        db.CopyTo(em, 0);
        h.CopyTo(em, dbLen);
        em[^1] = 0xBC;
        return em;
    }

    private static byte[] Mgf1(byte[] seed, int length)
    {
        var output = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input, 0);
        for (int counter = 0, at = 0; at < length; counter++, at += 32)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(seed.Length), counter);
            byte[] block = SHA256.HashData(input);
            block.AsSpan(0, Math.Min(32, length - at)).CopyTo(output.AsSpan(at));
        }
        return output;
    }
}
