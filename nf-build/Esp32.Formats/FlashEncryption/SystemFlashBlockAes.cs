using System.Security.Cryptography;

namespace Esp32.Formats.FlashEncryption;

/// <summary>The portable <see cref="IFlashBlockAes"/>: one <see cref="Aes"/> object, re-keyed with SetKey per call.</summary>
internal sealed class SystemFlashBlockAes : IFlashBlockAes
{
    private readonly Aes _aes = Aes.Create();

    public void Process(ReadOnlySpan<byte> blockKey, Span<byte> chunk, bool encryptFlash)
    {
        _aes.SetKey(blockKey);
        Span<byte> input = stackalloc byte[32];
        Span<byte> output = stackalloc byte[32];
        int n = chunk.Length;
        for (int b = 0; b < n; b += 16)
        {
            Span<byte> reversed = input.Slice(b, 16);
            chunk.Slice(b, 16).CopyTo(reversed);
            reversed.Reverse();
        }

        if (encryptFlash)
            _aes.DecryptEcb(input[..n], output[..n], PaddingMode.None);
        else
            _aes.EncryptEcb(input[..n], output[..n], PaddingMode.None);

        for (int b = 0; b < n; b += 16)
        {
            Span<byte> target = chunk.Slice(b, 16);
            output.Slice(b, 16).CopyTo(target);
            target.Reverse();
        }
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(output);
    }

    public void Dispose() => _aes.Dispose();
}
