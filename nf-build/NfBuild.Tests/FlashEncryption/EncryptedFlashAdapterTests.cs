using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashEncryption;
using Xunit;

namespace NfBuild.Tests.FlashEncryption;

public class EncryptedFlashAdapterTests
{
    [Fact]
    public void WriteEncrypted_StoresEspsecureCiphertext_AndReadsBackPlaintext()
    {
        var key = Esp32FlashCipherTests.Sequence(32);
        var plaintext = Esp32FlashCipherTests.Sequence(64);
        var flash = new MemoryFlash(0x20000);
        using var cipher = new Esp32FlashCipher(key);
        var device = new EncryptedFlashAdapter(flash, cipher);

        device.WriteEncrypted(0x10000, plaintext);

        // Raw bytes = espsecure encrypt-flash-data --keyfile 00..1f --address 0x10000 (reference doc §1.6).
        var raw = new byte[64];
        device.ReadRaw(0x10000, raw);
        Assert.Equal("83630c7cfe5f7a97258302bbf469bbaad1ee15f32aa45a1b5a3239e452effdcd55635e401f09324e8744640ecf99304dc124f2f6b4f94824d232a1184e97c9ac",
            Convert.ToHexStringLower(raw));

        // Decrypted reads work at any alignment.
        var part = new byte[21];
        device.ReadDecrypted(0x10000 + 7, part);
        Assert.Equal(plaintext[7..28], part);
    }

    [Fact]
    public void WriteEncrypted_RejectsUnalignedWrites()
    {
        using var cipher = new Esp32FlashCipher(Esp32FlashCipherTests.Sequence(32));
        var device = new EncryptedFlashAdapter(new MemoryFlash(0x2000), cipher);
        Assert.Throws<Esp32FormatException>(() => device.WriteEncrypted(0x1008, new byte[16]));
        Assert.Throws<Esp32FormatException>(() => device.WriteEncrypted(0x1000, new byte[20]));
    }
}
