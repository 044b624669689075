using System.Buffers.Binary;
using System.Security.Cryptography;
using Esp32.Formats;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>
/// nvs_keys partition format: eky ‖ tky ‖ u32 CRC (esp_rom_crc32_le seed 0xFFFFFFFF = zlib.crc32(keys, 0xFFFFFFFF))
/// at offset 64, rest 0xFF, 4096 bytes (nvs_partition_gen.py generate-key layout, nvs_encryption.rst).
/// </summary>
public class NvsKeysPartitionTests
{
    private static readonly byte[] Keys00To3F = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();

    [Fact]
    public void Build_LaysOutKeysCrcAndPadding()
    {
        // Python: zlib.crc32(bytes(range(64)), 0xFFFFFFFF) = 0x9a7c5245; the whole image's SHA-256 below.
        var image = NvsKeysPartition.Build(new NvsKeys(Keys00To3F));
        Assert.Equal(4096, image.Length);
        Assert.Equal(Keys00To3F, image[..64]);
        Assert.Equal(0x9a7c5245u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(64)));
        Assert.All(image[68..], b => Assert.Equal(0xFF, b));
        Assert.Equal("f5a98cc3e8b10d8d0a275e89ba37e470e44f37fa31dd73ab06e6b7ba8ccce64e", Convert.ToHexStringLower(SHA256.HashData(image)));
    }

    [Fact]
    public void Build_FlashEncryptedAt0x310000_MatchesEspsecure()
    {
        // espsecure v5.3.1 encrypt-flash-data --keyfile (00..1f) --address 0x310000 --flash-crypt-conf 0xF <the image above>:
        // what nf-build must flash for pre-provisioned NVS keys on a flash-encrypted device.
        var image = NvsKeysPartition.Build(new NvsKeys(Keys00To3F));
        var encrypted = Esp32FlashEncryption.Encrypt(Keys00To3F[..32], 0x310000, image);
        Assert.Equal("94329fa3905dfd669620b80a74a5286d9ce49056dc7f4d5b769e78593f9873f7", Convert.ToHexStringLower(SHA256.HashData(encrypted)));
        Assert.Equal("8310b73670d3ee92ede5022b8f504539b5160a395a2390e0d290fa375a565f9b", Convert.ToHexStringLower(encrypted[..32]));
    }

    [Fact]
    public void Parse_RoundTrip()
    {
        var keys = NvsKeys.Generate();
        var parsed = NvsKeysPartition.Parse(NvsKeysPartition.Build(keys));
        Assert.Equal(keys.ToXtsKey(), parsed.ToXtsKey());
        Assert.Equal(keys.EncryptionKey.ToArray(), parsed.ToXtsKey()[..32]);
        Assert.Equal(keys.TweakKey.ToArray(), parsed.ToXtsKey()[32..]);
    }

    [Fact]
    public void Parse_BadCrc_IsCorrupt()
    {
        var image = NvsKeysPartition.Build(new NvsKeys(Keys00To3F));
        image[10] ^= 0x01;
        Assert.Equal(NvsKeysStatus.Corrupt, NvsKeysPartition.TryRead(image, out var keys));
        Assert.Null(keys);
        var ex = Assert.Throws<Esp32FormatException>(() => NvsKeysPartition.Parse(image));
        Assert.Contains("corrupt", ex.Message);
        Assert.Contains("0x9A7C5245", ex.Message);
    }

    [Fact]
    public void Parse_Blank_IsNotInitialized_NotCorrupt()
    {
        var blank = Enumerable.Repeat((byte)0xFF, 4096).ToArray();
        Assert.Equal(NvsKeysStatus.NotInitialized, NvsKeysPartition.TryRead(blank, out _));
        var ex = Assert.Throws<Esp32FormatException>(() => NvsKeysPartition.Parse(blank));
        Assert.Contains("not initialized", ex.Message);

        // One programmed byte is enough to make it "written but corrupt".
        blank[5] = 0xFE;
        Assert.Equal(NvsKeysStatus.Corrupt, NvsKeysPartition.TryRead(blank, out _));
    }

    [Fact]
    public void Parse_TooShort_IsRejected()
    {
        var ex = Assert.Throws<Esp32FormatException>(() => NvsKeysPartition.Parse(new byte[67]));
        Assert.Contains("67 bytes", ex.Message);
    }

    [Fact]
    public void Generate_UsesCallerRng()
    {
        using var rng = new CountingRng();
        var keys = NvsKeys.Generate(rng);
        Assert.Equal(Keys00To3F, keys.ToXtsKey());
        Assert.Equal(0x9a7c5245u, keys.Crc);
    }

    [Fact]
    public void Keys_RejectWrongLength()
    {
        Assert.Throws<Esp32FormatException>(() => new NvsKeys(new byte[63]));
    }

    /// <summary>Deterministic "RNG" producing 00, 01, 02… for the test.</summary>
    private sealed class CountingRng : RandomNumberGenerator
    {
        private byte _next;

        public override void GetBytes(byte[] data) => GetBytes(data.AsSpan());

        public override void GetBytes(Span<byte> data)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] = _next++;
        }
    }
}
