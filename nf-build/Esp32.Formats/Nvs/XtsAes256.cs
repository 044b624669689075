using System.Security.Cryptography;

namespace Esp32.Formats.Nvs;

/// <summary>
/// AES-256-XTS (IEEE 1619) for data units that are a whole number of 16-byte blocks, built on .NET's
/// AES-ECB: T = AES-Enc(key2, tweak); for block j: C = AES(key1, P ⊕ T·αʲ) ⊕ T·αʲ, α multiplication in
/// GF(2¹²⁸) little-endian with reduction 0x87. Ciphertext stealing is not needed for NVS entries
/// (32 bytes = two blocks) and is not implemented. Matches mbedtls_aes_crypt_xts and the Python
/// <c>cryptography</c> XTS mode with a 64-byte key (key1 = first half, key2 = second half).
/// </summary>
internal sealed class XtsAes256 : IDisposable
{
    private readonly Aes _dataCipher;
    private readonly Aes _tweakCipher;

    public XtsAes256(ReadOnlySpan<byte> key64)
    {
        if (key64.Length != 64) throw new ArgumentException($"XTS-AES-256 needs a 64-byte key, got {key64.Length} bytes", nameof(key64));
        _dataCipher = Aes.Create();
        _dataCipher.Key = key64[..32].ToArray();
        _tweakCipher = Aes.Create();
        _tweakCipher.Key = key64[32..].ToArray();
    }

    public void Encrypt(ReadOnlySpan<byte> tweak16, ReadOnlySpan<byte> input, Span<byte> output) => Transform(tweak16, input, output, encrypt: true);

    public void Decrypt(ReadOnlySpan<byte> tweak16, ReadOnlySpan<byte> input, Span<byte> output) => Transform(tweak16, input, output, encrypt: false);

    private void Transform(ReadOnlySpan<byte> tweak16, ReadOnlySpan<byte> input, Span<byte> output, bool encrypt)
    {
        if (tweak16.Length != 16) throw new ArgumentException("XTS tweak is 16 bytes", nameof(tweak16));
        if (input.Length == 0 || input.Length % 16 != 0 || output.Length != input.Length)
            throw new ArgumentException("XTS data unit must be a non-empty multiple of 16 bytes");

        Span<byte> tweaks = input.Length <= 256 ? stackalloc byte[input.Length] : new byte[input.Length];
        _tweakCipher.EncryptEcb(tweak16, tweaks[..16], PaddingMode.None);
        for (int b = 16; b < tweaks.Length; b += 16)
            MultiplyByAlpha(tweaks.Slice(b - 16, 16), tweaks.Slice(b, 16));

        Span<byte> buffer = input.Length <= 256 ? stackalloc byte[input.Length] : new byte[input.Length];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(input[i] ^ tweaks[i]);
        if (encrypt) _dataCipher.EncryptEcb(buffer, output, PaddingMode.None);
        else _dataCipher.DecryptEcb(buffer, output, PaddingMode.None);
        for (int i = 0; i < output.Length; i++) output[i] ^= tweaks[i];
    }

    /// <summary>next = previous · α in GF(2¹²⁸), little-endian byte order (IEEE 1619 §5.2).</summary>
    private static void MultiplyByAlpha(ReadOnlySpan<byte> previous, Span<byte> next)
    {
        int carry = 0;
        for (int i = 0; i < 16; i++)
        {
            int b = previous[i];
            next[i] = (byte)((b << 1) | carry);
            carry = b >> 7;
        }
        if (carry != 0) next[0] ^= 0x87;
    }

    public void Dispose()
    {
        _dataCipher.Dispose();
        _tweakCipher.Dispose();
    }
}
