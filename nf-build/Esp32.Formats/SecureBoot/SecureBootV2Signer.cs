using System.Security.Cryptography;

namespace Esp32.Formats.SecureBoot;

/// <summary>
/// <c>espsecure sign-data --version 2 --keyfile KEY --output OUT IN</c> with one RSA-3072 key: the contents are padded
/// with 0xFF to a 4 KB boundary, their SHA-256 is signed with RSA-PSS (SHA-256, MGF1-SHA-256, salt 32), and a 4 KB
/// signature sector (one <see cref="SecureBootV2SignatureBlock"/>, then 0xFF) is appended. The ESP32 (v3) ROM and
/// bootloader check only the first block. PSS is randomised, so two signatures of the same image differ; both verify.
/// </summary>
public static class SecureBootV2Signer
{
    /// <summary>The signed image: contents padded to 4 KB, then the signature sector.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> contents, RSA signingKey) => Sign(contents, signingKey, salt: null);

    /// <summary>
    /// As <see cref="Sign(ReadOnlySpan{byte}, RSA)"/> but with a chosen 32-byte PSS salt (<see cref="SecureBootV2PssEncoder"/>),
    /// for reproducible test output; null: .NET's RSA-PSS with a random salt.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> contents, RSA signingKey, byte[]? salt)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        int padded = AlignUp(contents.Length);
        var output = new byte[padded + SecureBootV2SignatureBlock.SectorSize];
        output.AsSpan().Fill(0xFF);
        contents.CopyTo(output);

        byte[] digest = SHA256.HashData(output.AsSpan(0, padded));
        byte[] signature = salt is null
            ? signingKey.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            : SecureBootV2PssEncoder.SignHashWithSalt(signingKey, digest, salt);
        var block = new SecureBootV2SignatureBlock(digest, SecureBootV2PublicKey.FromRsa(signingKey), signature);
        block.ToBytes().CopyTo(output, padded);
        return output;
    }

    /// <summary>The length rounded up to a 4 KB sector.</summary>
    public static int AlignUp(int length) =>
        (length + SecureBootV2SignatureBlock.SectorSize - 1) / SecureBootV2SignatureBlock.SectorSize * SecureBootV2SignatureBlock.SectorSize;
}
