using System.Security.Cryptography;
using Esp32.Formats;
using Esp32.Formats.FlashEncryption;
using Xunit;

namespace NfBuild.Tests.FlashEncryption;

/// <summary>
/// Known answers for original-ESP32 flash encryption. Provenance of every vector:
/// espsecure v5.3.1 (esptool tag v5.3.1, run from a source snapshot with Debian's python3-cryptography 38),
/// <c>python3 -m espsecure encrypt-flash-data --keyfile KEY --address ADDR --flash-crypt-conf CONF -o OUT IN</c>
/// (or <c>decrypt-flash-data</c> where stated). Inputs are generated in the tests: key32 = bytes 00..1f,
/// key24 = bytes 00..17, pt64 = bytes 00..3f. The three conf-0xF vectors at 0x0/0x1000/0x10000 are also the ones
/// in shared/reference/esp32-formats.md §1.6.
/// </summary>
public class Esp32FlashCipherTests
{
    private static readonly byte[] Key32 = Sequence(32);
    private static readonly byte[] Key24 = Sequence(24);
    private static readonly byte[] Pt64 = Sequence(64);

    [Theory]
    // Reference doc §1.6, re-run: encrypt-flash-data --keyfile key32 --address A --flash-crypt-conf 0xF pt64
    [InlineData(0x0, 0xF, "12a1ca1afd2e84819588f76945e0f107108c61e2db61a4ab5b13f5356eebfe153debaf765acb6beef7da797dd4dbf5d8624844356fdf14ceb4a7f3c88dc1d46c")]
    [InlineData(0x1000, 0xF, "a354ea55e9d9d83cd027e80a6b03a53cfc3886d3f8090e2da27c51dbc4a61351cdf9f00c743bd33742e28544ffad8d92783779f1e794e3744df99032250a8f5a")]
    [InlineData(0x10000, 0xF, "83630c7cfe5f7a97258302bbf469bbaad1ee15f32aa45a1b5a3239e452effdcd55635e401f09324e8744640ecf99304dc124f2f6b4f94824d232a1184e97c9ac")]
    // encrypt-flash-data --keyfile key32 --address 0x2a5e0 --flash-crypt-conf C pt64 (address bits spread over all tweak ranges)
    [InlineData(0x2A5E0, 0x0, "12a1ca1afd2e84819588f76945e0f107108c61e2db61a4ab5b13f5356eebfe15e62802f276e4f038910a85dad5c947736993304a840940147be0a372379a9992")]
    [InlineData(0x2A5E0, 0x3, "572362d79ae8e7ea23863ca1fd78434653e968be284976de118f7f78a7a56511827bc98ba2385f456377ffbab504a1f64ca46b2a8b080d02efb228b09d294335")]
    [InlineData(0x2A5E0, 0x9, "6b9c7c95ddab4d45c49631f8a692f5edcd8006fb34c3eba870a6f403eb3afad1a6c3c94e49141a6eedf6b8c297d10a1b54352ee8ce84984f26178cf73605d17f")]
    [InlineData(0x2A5E0, 0xC, "f01e5a6a2bf7fe15dd9614abae41508dfa1b3c33ab594e43a073b75d9a1bb8aded72ebf991932f6abcc9db11afe401a39d4954db93dc2985f7a700a1eb6a89ca")]
    [InlineData(0x2A5E0, 0xF, "bed435a7aecfb0789f2f956174dcb4fe2de8aa287db27dd111178f2542ac77c7d4d83cc6dacbc4106588642956d3245c49bb7138ddb564692d9caa7b25bfe81c")]
    public void Encrypt_Key32_MatchesEspsecure(int address, int conf, string expectedHex)
    {
        foreach (var backend in AvailableBackends())
        {
            using var cipher = new Esp32FlashCipher(Key32, conf, backend);
            var ciphertext = cipher.Encrypt(address, Pt64);
            Assert.Equal(expectedHex, Convert.ToHexStringLower(ciphertext));
            Assert.Equal(Pt64, cipher.Decrypt(address, ciphertext));
        }
        Assert.Equal(expectedHex, Convert.ToHexStringLower(Esp32FlashEncryption.Encrypt(Key32, address, Pt64, conf)));
    }

    [Fact]
    public void UntweakedBlock_IsByteReversedAes256_Fips197()
    {
        // FIPS-197 Appendix C.3 (AES-256): key 00..1f, plaintext 00112233..ff → 8ea2b7ca516745bfeafc49904b496089.
        // At address 0 (no address bits set) the block key is the key itself, and decrypting flash = AES encrypt
        // of the reversed block, reversed: so decrypt_flash(reverse(pt)) = reverse(ct). Independent of espsecure.
        var pt = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var ct = Convert.FromHexString("8ea2b7ca516745bfeafc49904b496089");
        foreach (var backend in AvailableBackends())
        {
            using var cipher = new Esp32FlashCipher(Key32, 0xF, backend);
            Assert.Equal(ct.Reverse().ToArray(), cipher.Decrypt(0, pt.Reverse().ToArray()));
            Assert.Equal(pt.Reverse().ToArray(), cipher.Encrypt(0, ct.Reverse().ToArray()));
        }
    }

    [Fact]
    public void Backends_AgreeOnRandomData()
    {
        if (!Esp32FlashCipher.IsAesNiSupported)
            return; // only one backend on this CPU
        var random = new Random(99);
        for (int round = 0; round < 20; round++)
        {
            var key = new byte[round % 2 == 0 ? 32 : 24];
            random.NextBytes(key);
            int conf = random.Next(16);
            int address = random.Next(0, 0xF00000) & ~15;
            var data = new byte[16 * random.Next(1, 300)];
            random.NextBytes(data);
            using var system = new Esp32FlashCipher(key, conf, FlashAesBackend.SystemCryptography);
            using var aesNi = new Esp32FlashCipher(key, conf, FlashAesBackend.AesNi);
            Assert.Equal(system.Encrypt(address, data), aesNi.Encrypt(address, data));
            Assert.Equal(system.Decrypt(address, data), aesNi.Decrypt(address, data));
        }
    }

    [Fact]
    public void Conf0_IsPlainEcbOfTheUntweakedKey()
    {
        // With no tweak, the first 32-byte block at 0x2a5e0 equals the one at 0x0 (both use the raw key):
        // espsecure gives the same first 32 bytes for (0x0, conf 0xF) and (0x2a5e0, conf 0x0).
        var atZero = Esp32FlashEncryption.Encrypt(Key32, 0x0, Pt64);
        var conf0 = Esp32FlashEncryption.Encrypt(Key32, 0x2A5E0, Pt64, flashCryptConfig: 0);
        Assert.Equal(atZero[..32], conf0[..32]);
    }

    [Fact]
    public void Encrypt_Key24_ExtendedAsIn34CodingScheme()
    {
        // encrypt-flash-data --keyfile key24 (00..17) --address 0x1000 --flash-crypt-conf 0xF pt64
        const string expected = "9e9843fb003d20814e40efb5a89cf8964beb4fae81c7852c3190c14a066c430adb6f4f961ef72c0f08aee3874169849c828868c7f95f180b4057544a0fd0d71e";
        Assert.Equal(expected, Convert.ToHexStringLower(Esp32FlashEncryption.Encrypt(Key24, 0x1000, Pt64)));

        // The 24-byte file behaves exactly like the 32-byte file key24 + key24[8:16].
        var extended = Key24.Concat(Key24[8..16]).ToArray();
        Assert.Equal(extended, FlashEncryptionKeyFile.Expand(Key24));
        Assert.Equal(expected, Convert.ToHexStringLower(Esp32FlashEncryption.Encrypt(extended, 0x1000, Pt64)));
    }

    [Fact]
    public void Encrypt_StartInUpperHalfOfA32ByteBlock()
    {
        // encrypt-flash-data --keyfile key32 --address 0x3f0 --flash-crypt-conf 0xF (bytes 00..2f):
        // the first 16-byte block uses the key of block 0x3e0, then the key changes at 0x400.
        const string expected = "145f935828c2c5494597e22ab25c8a6f96aeffd13bc209d9db5f4fa4fdc00efb60885b852470d64a9bc29f6dcaefe124";
        Assert.Equal(expected, Convert.ToHexStringLower(Esp32FlashEncryption.Encrypt(Key32, 0x3F0, Sequence(48))));
    }

    [Fact]
    public void Decrypt_MatchesEspsecureDecryptFlashData()
    {
        // decrypt-flash-data --keyfile key32 --address 0x1000 --flash-crypt-conf 0xF pt64 (pt64 treated as ciphertext)
        const string expected = "e6fc7f2a0005ba74a63991e7083d0ec2fdddd1c1ed885ec7762ef3db96784e31384eb367464020c48fe6816ccaf1d6418990702e5e874a56ca1474d5ce375673";
        Assert.Equal(expected, Convert.ToHexStringLower(Esp32FlashEncryption.Decrypt(Key32, 0x1000, Pt64)));
    }

    [Fact]
    public void Encrypt_MultiKilobyte_Sha256MatchesEspsecure()
    {
        // 8 KiB, byte i = (i*31 + (i>>8)) & 0xFF; key byte i = 0xA0 ^ (i*13 & 0xFF).
        // encrypt-flash-data --keyfile keyB --address 0x20000 --flash-crypt-conf 0xF → sha256 below.
        var plaintext = new byte[8192];
        for (int i = 0; i < plaintext.Length; i++)
            plaintext[i] = (byte)((i * 31 + (i >> 8)) & 0xFF);
        Assert.Equal("bd7e4dbc9c4a0a1f454f72dea053d5a8870388978ce6e1845b14f21186405c6f", Sha256Hex(plaintext));
        var key = new byte[32];
        for (int i = 0; i < key.Length; i++)
            key[i] = (byte)(0xA0 ^ ((i * 13) & 0xFF));

        foreach (var backend in AvailableBackends())
        {
            using var cipher = new Esp32FlashCipher(key, 0xF, backend);
            var ciphertext = cipher.Encrypt(0x20000, plaintext);
            Assert.Equal("b91765dabb3a17edeb0773b29aec6db7c0b85183051473fe26ee789a38f805fb", Sha256Hex(ciphertext));
            Assert.Equal(plaintext, cipher.Decrypt(0x20000, ciphertext));

            // Same plaintext, key24 (00..17), address 0x9000, --flash-crypt-conf 0x5.
            using var cipher24 = new Esp32FlashCipher(Key24, 0x5, backend);
            Assert.Equal("1de00c1565b835d46298c5ea336a999042500200de7702559326e748af29244f", Sha256Hex(cipher24.Encrypt(0x9000, plaintext)));
        }
    }

    [Fact]
    public void LargeInput_ParallelPathEqualsInPlacePath()
    {
        // 1 MiB goes through the multi-core path of Encrypt (platform AES); EncryptInPlace is always sequential.
        var data = new byte[1 << 20];
        new Random(1234).NextBytes(data);
        using var cipher = new Esp32FlashCipher(Key32, 0xF, FlashAesBackend.SystemCryptography);
        var parallel = cipher.Encrypt(0x110010, data);
        var inPlace = (byte[])data.Clone();
        cipher.EncryptInPlace(0x110010, inPlace);
        Assert.Equal(inPlace, parallel);
        cipher.DecryptInPlace(0x110010, inPlace);
        Assert.Equal(data, inPlace);
        Assert.Equal(data, cipher.Decrypt(0x110010, parallel));
    }

    [Fact]
    public void SplitProcessing_EqualsWhole()
    {
        // The device's cache encrypts pieces; any 16-aligned split must give the same bytes as one pass.
        var data = Sequence(256);
        using var cipher = new Esp32FlashCipher(Key32);
        var whole = cipher.Encrypt(0x8000, data);
        var pieces = (byte[])data.Clone();
        cipher.EncryptInPlace(0x8000, pieces.AsSpan(0, 16));
        cipher.EncryptInPlace(0x8010, pieces.AsSpan(16, 48));
        cipher.EncryptInPlace(0x8040, pieces.AsSpan(64, 192));
        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void IdenticalHalvesOfA32ByteBlock_GiveIdenticalCiphertext()
    {
        // Documented ESP32 weakness (flash-encryption.rst): one key per 32-byte block, ECB per 16 bytes.
        var data = new byte[64];
        var ciphertext = Esp32FlashEncryption.Encrypt(Key32, 0x5000, data);
        Assert.Equal(ciphertext[..16], ciphertext[16..32]);
        Assert.NotEqual(ciphertext[..16], ciphertext[32..48]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void WrongKeyLength_IsRejected(int length)
    {
        // espsecure: "ESP32 supports only 192 and 256-bit keys" (16/64 need --aes-xts), other lengths "wrong length".
        var ex = Assert.Throws<Esp32FormatException>(() => Esp32FlashEncryption.Encrypt(new byte[length], 0, Pt64));
        Assert.Contains($"{length} bytes", ex.Message);
    }

    [Fact]
    public void MisalignedAddress_IsRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => Esp32FlashEncryption.Encrypt(Key32, 0x1001, Pt64));
        Assert.Contains("0x1001", ex.Message);
        Assert.Contains("multiple of 16", ex.Message);
        Assert.Throws<Esp32FormatException>(() => Esp32FlashEncryption.Decrypt(Key32, -16, Pt64));
    }

    [Fact]
    public void PartialBlock_IsRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => Esp32FlashEncryption.Encrypt(Key32, 0x1000, new byte[33]));
        Assert.Contains("33 bytes", ex.Message);
        using var cipher = new Esp32FlashCipher(Key32);
        Assert.Throws<Esp32FormatException>(() => cipher.DecryptInPlace(0x1000, new byte[15]));
    }

    [Fact]
    public void RangeBeyond16MB_IsRejected()
    {
        // espsecure would compute a different (meaningless) tweak above 24 address bits; the ESP32 cannot map it.
        var ex = Assert.Throws<Esp32FormatException>(() => Esp32FlashEncryption.Encrypt(Key32, 0xFFFFE0, Pt64));
        Assert.Contains("16 MB", ex.Message);
        Assert.Equal(32, Esp32FlashEncryption.Encrypt(Key32, 0xFFFFE0, Pt64[..32]).Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void FlashCryptConfigOutOfRange_IsRejected(int conf)
    {
        Assert.Throws<Esp32FormatException>(() => new Esp32FlashCipher(Key32, conf));
    }

    internal static IEnumerable<FlashAesBackend> AvailableBackends() =>
        Esp32FlashCipher.IsAesNiSupported
            ? [FlashAesBackend.SystemCryptography, FlashAesBackend.AesNi]
            : [FlashAesBackend.SystemCryptography];

    internal static byte[] Sequence(int length) => Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

    private static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
