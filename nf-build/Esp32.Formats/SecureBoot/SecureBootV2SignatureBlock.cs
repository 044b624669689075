using System.Buffers.Binary;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.SecureBoot;

/// <summary>
/// One secure boot v2 RSA signature block (ESP-IDF <c>ets_secure_boot_sig_block_t</c>, espsecure
/// <c>generate_rsa_signature_block</c>), 1216 bytes: magic 0xE7, version 0x02, two reserved bytes, the SHA-256 of
/// the signed image, the <see cref="SecureBootV2PublicKey">key block</see> (n, e, rinv, mdash), the RSA-PSS
/// signature (SHA-256, MGF1-SHA-256, 32-byte salt) little-endian, a CRC-32 (zlib, seed 0) of the 1196 bytes before
/// it, and 16 zero bytes. It sits at the start of the 4 KB signature sector that follows the image padded to 4 KB.
/// </summary>
public sealed class SecureBootV2SignatureBlock
{
    public const int Size = 1216;
    public const byte Magic = 0xE7;
    public const byte VersionRsa = 0x02;
    public const int SectorSize = 4096;

    private const int DigestOffset = 4;
    private const int KeyOffset = DigestOffset + 32;
    private const int SignatureOffset = KeyOffset + SecureBootV2PublicKey.BlockSize;
    private const int CrcOffset = SignatureOffset + SecureBootV2PublicKey.ModulusSize; // 1196

    /// <summary>SHA-256 of the signed contents (the image padded to 4 KB).</summary>
    public byte[] ImageDigest { get; }

    /// <summary>The signer's public key.</summary>
    public SecureBootV2PublicKey PublicKey { get; }

    /// <summary>The RSA-PSS signature, big-endian (as .NET's RSA produces and verifies it).</summary>
    public byte[] Signature { get; }

    public SecureBootV2SignatureBlock(byte[] imageDigest, SecureBootV2PublicKey publicKey, byte[] signature)
    {
        if (imageDigest.Length != 32)
            throw new ArgumentException("the image digest is a SHA-256 (32 bytes)", nameof(imageDigest));
        if (signature.Length != SecureBootV2PublicKey.ModulusSize)
            throw new ArgumentException("an RSA-3072 signature is 384 bytes", nameof(signature));
        ImageDigest = imageDigest;
        PublicKey = publicKey;
        Signature = signature;
    }

    /// <summary>The 1216 bytes.</summary>
    public byte[] ToBytes()
    {
        var block = new byte[Size];
        block[0] = Magic;
        block[1] = VersionRsa;
        ImageDigest.CopyTo(block, DigestOffset);
        PublicKey.ToBytes().CopyTo(block, KeyOffset);
        var signature = (byte[])Signature.Clone();
        Array.Reverse(signature);
        signature.CopyTo(block, SignatureOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(CrcOffset), EspCrc32.Compute(block.AsSpan(0, CrcOffset), 0));
        return block;
    }

    /// <summary>
    /// Parses a block as the ROM and bootloader do before any RSA (<c>validate_signature_block</c>): null when the
    /// magic, version or CRC is wrong (an erased 0xFF sector, an unsigned image, a corrupted block).
    /// </summary>
    public static SecureBootV2SignatureBlock? TryParse(ReadOnlySpan<byte> block)
    {
        if (block.Length < Size || block[0] != Magic || block[1] != VersionRsa)
            return null;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(block[CrcOffset..]);
        if (stored != EspCrc32.Compute(block[..CrcOffset], 0))
            return null;
        var signature = block.Slice(SignatureOffset, SecureBootV2PublicKey.ModulusSize).ToArray();
        Array.Reverse(signature);
        return new SecureBootV2SignatureBlock(
            block.Slice(DigestOffset, 32).ToArray(),
            SecureBootV2PublicKey.FromBytes(block.Slice(KeyOffset, SecureBootV2PublicKey.BlockSize)),
            signature);
    }
}
