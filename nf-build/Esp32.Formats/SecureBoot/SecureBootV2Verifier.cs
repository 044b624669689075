using System.Security.Cryptography;

namespace Esp32.Formats.SecureBoot;

/// <summary>
/// What the ESP32 v3 ROM (for the bootloader) and ESP-IDF's bootloader (<c>esp_secure_boot_verify_rsa_signature_block</c>,
/// for apps) check before running an image under secure boot v2: the signature block right after the image padded to
/// 4 KB is well-formed (magic, version, CRC), the SHA-256 of its public key block equals the BLOCK2 digest, its image
/// digest equals the SHA-256 of the padded image, and the RSA-PSS signature over that digest verifies.
/// </summary>
/// <remarks>Threat: an attacker who can write flash (over serial, or a compromised OTA) must not get their code run;
/// only an image signed by the key whose digest is burned in BLOCK2 passes.</remarks>
public static class SecureBootV2Verifier
{
    /// <summary>
    /// Verifies the image of <paramref name="imageLength"/> bytes at the start of <paramref name="region"/> (which must
    /// also hold the signature sector). Returns null if it verifies, else the reason.
    /// </summary>
    public static string? Verify(ReadOnlySpan<byte> region, int imageLength, ReadOnlySpan<byte> trustedKeyDigest)
    {
        if (trustedKeyDigest.Length != 32)
            return "no secure boot key digest";
        int signedLength = SecureBootV2Signer.AlignUp(imageLength);
        if (region.Length < signedLength + SecureBootV2SignatureBlock.Size)
            return "no room for a signature block after the image";
        var block = SecureBootV2SignatureBlock.TryParse(region.Slice(signedLength, SecureBootV2SignatureBlock.Size));
        if (block is null)
            return "no valid signature block (unsigned image, or magic/version/CRC wrong)";
        if (!CryptographicOperations.FixedTimeEquals(block.PublicKey.Digest(), trustedKeyDigest))
            return "the signing key's digest does not match BLOCK2 (signed with another key)";
        byte[] digest = SHA256.HashData(region[..signedLength]);
        if (!CryptographicOperations.FixedTimeEquals(digest, block.ImageDigest))
            return "the image's SHA-256 does not match the signature block";
        using RSA rsa = block.PublicKey.ToRsa();
        if (!rsa.VerifyHash(digest, block.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss))
            return "the RSA-PSS signature does not verify";
        return null;
    }
}
