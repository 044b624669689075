using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Esp32.Formats.Checksums;
using Esp32.Formats.SecureBoot;
using Xunit;

namespace NfBuild.Tests.SecureBoot;

/// <summary>
/// The secure boot v2 signature block as espsecure writes it (<c>sign-data --version 2</c>) and ESP-IDF's
/// <c>esp_secure_boot_verify_rsa_signature_block</c> reads it: layout, primitives, and the verifier's refusals.
/// </summary>
public class SecureBootV2SignatureTests
{
    internal static readonly RSA Key = CreateKey();
    internal static readonly RSA OtherKey = CreateKey();

    private static RSA CreateKey()
    {
        var rsa = RSA.Create();
        rsa.KeySize = 3072;
        return rsa;
    }

    private static readonly byte[] Contents = Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray();

    [Fact]
    public void Sign_PadsToASector_AndAppendsOneSignatureBlockThenFF()
    {
        byte[] signed = SecureBootV2Signer.Sign(Contents, Key);

        Assert.Equal(8192 + 4096, signed.Length);
        Assert.Equal(Contents, signed[..5000]);
        Assert.All(signed[5000..8192], b => Assert.Equal(0xFF, b));
        Assert.Equal(0xE7, signed[8192]);
        Assert.Equal(0x02, signed[8193]);
        Assert.Equal(0, signed[8194]);
        Assert.Equal(0, signed[8195]);
        Assert.Equal(SHA256.HashData(signed.AsSpan(0, 8192)), signed[(8192 + 4)..(8192 + 36)]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(signed.AsSpan(8192 + 1196));
        Assert.Equal(EspCrc32.Compute(signed.AsSpan(8192, 1196), 0), crc);
        Assert.All(signed[(8192 + 1200)..(8192 + 1216)], b => Assert.Equal(0, b));
        Assert.All(signed[(8192 + 1216)..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Crc_IsZlibCrc32()
    {
        // zlib.crc32(b"123456789") == 0xCBF43926: espsecure appends zlib.crc32(block[:1196]).
        Assert.Equal(0xCBF43926u, EspCrc32.Compute("123456789"u8, 0));
    }

    [Fact]
    public void SignatureBlock_CarriesThePrimitives_LittleEndian_AndAPssSignature()
    {
        byte[] signed = SecureBootV2Signer.Sign(Contents, Key);
        var block = SecureBootV2SignatureBlock.TryParse(signed.AsSpan(8192))!;

        RSAParameters p = Key.ExportParameters(false);
        Assert.Equal(p.Modulus, block.PublicKey.Modulus);
        Assert.Equal(65537u, block.PublicKey.Exponent);
        Assert.True(block.PublicKey.IsConsistent());

        byte[] raw = block.PublicKey.ToBytes();
        var n = new BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
        var rinv = new BigInteger(raw.AsSpan(388, 384), isUnsigned: true, isBigEndian: false);
        uint mdash = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(772));
        Assert.Equal(BigInteger.ModPow(2, 6144, n), rinv);
        Assert.Equal(uint.MaxValue, unchecked((uint)(n & uint.MaxValue) * mdash)); // n·mdash ≡ −1 (mod 2³²)

        // The signature is stored reversed (little-endian for the RSA peripheral).
        byte[] stored = signed[(8192 + 36 + 776)..(8192 + 36 + 776 + 384)];
        Array.Reverse(stored);
        Assert.True(Key.VerifyHash(block.ImageDigest, stored, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));

        Assert.Equal(SHA256.HashData(raw), block.PublicKey.Digest());
    }

    [Fact]
    public void Verifier_AcceptsTheSignedImage()
    {
        byte[] signed = SecureBootV2Signer.Sign(Contents, Key);
        Assert.Null(SecureBootV2Verifier.Verify(signed, Contents.Length, SecureBootV2PublicKey.FromRsa(Key).Digest()));
    }

    [Fact]
    public void Verifier_RefusesUnsigned_OtherKey_TamperedImage_TamperedSignature_AndBadCrc()
    {
        byte[] digest = SecureBootV2PublicKey.FromRsa(Key).Digest();
        byte[] signed = SecureBootV2Signer.Sign(Contents, Key);

        byte[] unsigned = new byte[12288];
        unsigned.AsSpan().Fill(0xFF);
        Contents.CopyTo(unsigned, 0);
        Assert.Contains("no valid signature block", SecureBootV2Verifier.Verify(unsigned, Contents.Length, digest));

        byte[] other = SecureBootV2Signer.Sign(Contents, OtherKey);
        Assert.Contains("does not match BLOCK2", SecureBootV2Verifier.Verify(other, Contents.Length, digest));

        byte[] tampered = (byte[])signed.Clone();
        tampered[100] ^= 1;
        Assert.Contains("SHA-256 does not match", SecureBootV2Verifier.Verify(tampered, Contents.Length, digest));

        // An attacker who re-hashes the modified image and fixes the CRC still lacks a valid signature.
        byte[] forged = (byte[])tampered.Clone();
        SHA256.HashData(forged.AsSpan(0, 8192)).CopyTo(forged, 8192 + 4);
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(8192 + 1196), EspCrc32.Compute(forged.AsSpan(8192, 1196), 0));
        Assert.Contains("RSA-PSS signature does not verify", SecureBootV2Verifier.Verify(forged, Contents.Length, digest));

        byte[] badCrc = (byte[])signed.Clone();
        badCrc[8192 + 1196] ^= 1;
        Assert.Contains("CRC", SecureBootV2Verifier.Verify(badCrc, Contents.Length, digest));
    }

    [Fact]
    public void PublicKey_RefusesKeysThatAreNotRsa3072()
    {
        using var rsa2048 = RSA.Create(2048);
        Assert.Throws<Esp32.Formats.Esp32FormatException>(() => SecureBootV2PublicKey.FromRsa(rsa2048));
    }
}

/// <summary>The chosen-salt PSS signer: reproducible, and accepted by .NET's own PSS verification and the verifier.</summary>
public class SecureBootV2PssEncoderTests
{
    [Fact]
    public void ChosenSalt_IsReproducible_AndVerifiesWithDotNetPss()
    {
        var key = SecureBootV2SignatureTests.Key;
        byte[] contents = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        byte[] salt = Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i)).ToArray();

        byte[] a = SecureBootV2Signer.Sign(contents, key, salt);
        byte[] b = SecureBootV2Signer.Sign(contents, key, salt);
        Assert.Equal(a, b);
        Assert.NotEqual(a, SecureBootV2Signer.Sign(contents, key, new byte[32]));

        var block = SecureBootV2SignatureBlock.TryParse(a.AsSpan(4096))!;
        Assert.True(key.VerifyHash(block.ImageDigest, block.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        Assert.Null(SecureBootV2Verifier.Verify(a, contents.Length, SecureBootV2PublicKey.FromRsa(key).Digest()));
    }
}
