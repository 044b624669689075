using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Esp32.Formats.SecureBoot;

/// <summary>
/// An RSA-3072 public key in the form the ESP32's RSA peripheral uses and secure boot v2 stores (espsecure
/// <c>_get_sbv2_rsa_primitives</c>, ESP-IDF <c>ets_rsa_pubkey_t</c>): modulus n, exponent e, rinv = 2^(2·3072) mod n
/// and mdash = −n⁻¹ mod 2³², bignums little-endian. The 776-byte <see cref="ToBytes">block</see> is what the
/// signature block carries and what <see cref="Digest"/> (espsecure <c>digest-sbv2-public-key</c>, the value
/// burned into BLOCK2) hashes.
/// </summary>
/// <remarks>Threat: the digest in BLOCK2 pins exactly one key; anyone holding the matching private key can sign
/// code this chip will run, so the private key is the fleet's most sensitive file.</remarks>
public sealed class SecureBootV2PublicKey
{
    /// <summary>RSA-3072: 384-byte modulus.</summary>
    public const int ModulusSize = 384;

    /// <summary>n (384) + e (4) + rinv (384) + mdash (4).</summary>
    public const int BlockSize = ModulusSize + 4 + ModulusSize + 4;

    private readonly byte[] _block;

    private SecureBootV2PublicKey(byte[] block) => _block = block;

    /// <summary>The modulus, big-endian (as RSAParameters.Modulus).</summary>
    public byte[] Modulus
    {
        get
        {
            var n = _block.AsSpan(0, ModulusSize).ToArray();
            Array.Reverse(n);
            return n;
        }
    }

    /// <summary>The public exponent (65537 for espsecure keys).</summary>
    public uint Exponent => BinaryPrimitives.ReadUInt32LittleEndian(_block.AsSpan(ModulusSize, 4));

    /// <summary>The 776 bytes n‖e‖rinv‖mdash, as in the signature block.</summary>
    public byte[] ToBytes() => (byte[])_block.Clone();

    /// <summary>SHA-256 of <see cref="ToBytes"/>: espsecure <c>digest-sbv2-public-key</c>, the BLOCK2 value.</summary>
    public byte[] Digest() => SHA256.HashData(_block);

    /// <summary>The primitives of an RSA-3072 key (private or public).</summary>
    public static SecureBootV2PublicKey FromRsa(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        RSAParameters p = rsa.ExportParameters(includePrivateParameters: false);
        if (p.Modulus is not { Length: ModulusSize } modulus)
            throw new Esp32FormatException($"secure boot v2 needs an RSA-3072 key; this key has {rsa.KeySize} bits");
        var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(p.Exponent!, isUnsigned: true, isBigEndian: true);
        if (e > uint.MaxValue)
            throw new Esp32FormatException("secure boot v2 needs a 32-bit public exponent");

        BigInteger rinv = BigInteger.ModPow(2, 2 * 3072, n);
        BigInteger two32 = BigInteger.One << 32;
        BigInteger nInv = BigInteger.ModPow(n % two32, (two32 >> 1) - 1, two32); // n odd: n^(2^31-1) = n^-1 mod 2^32
        uint mdash = (uint)((two32 - nInv) % two32);

        var block = new byte[BlockSize];
        WriteLittleEndian(n, block.AsSpan(0, ModulusSize));
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(ModulusSize, 4), (uint)e);
        WriteLittleEndian(rinv, block.AsSpan(ModulusSize + 4, ModulusSize));
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(2 * ModulusSize + 4, 4), mdash);
        return new SecureBootV2PublicKey(block);
    }

    /// <summary>Parses the 776-byte key block of a signature block (no check that rinv/mdash fit n; see <see cref="IsConsistent"/>).</summary>
    public static SecureBootV2PublicKey FromBytes(ReadOnlySpan<byte> block)
    {
        if (block.Length != BlockSize)
            throw new Esp32FormatException($"secure boot v2 public key block must be {BlockSize} bytes, got {block.Length}");
        return new SecureBootV2PublicKey(block.ToArray());
    }

    /// <summary>True when rinv and mdash are the ones n implies (the hardware would compute garbage otherwise).</summary>
    public bool IsConsistent()
    {
        var n = Modulus;
        if ((n[^1] & 1) == 0 || n[0] == 0)
            return false;
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = n, Exponent = BigEndianExponent() });
        }
        catch (CryptographicException)
        {
            return false;
        }
        return FromRsa(rsa)._block.AsSpan().SequenceEqual(_block);
    }

    /// <summary>An RSA object holding this public key, for PSS verification.</summary>
    public RSA ToRsa()
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = Modulus, Exponent = BigEndianExponent() });
        return rsa;
    }

    private byte[] BigEndianExponent()
    {
        var e = new BigInteger(Exponent).ToByteArray(isUnsigned: true, isBigEndian: true);
        return e;
    }

    private static void WriteLittleEndian(BigInteger value, Span<byte> destination)
    {
        destination.Clear();
        if (!value.TryWriteBytes(destination, out _, isUnsigned: true, isBigEndian: false))
            throw new Esp32FormatException("secure boot v2 bignum does not fit 384 bytes");
    }
}
