using System.Numerics;
using Esp32.Formats.FlashEncryption;
using Xunit;

namespace NfBuild.Tests.FlashEncryption;

/// <summary>
/// Cross-checks the bit-pattern tweak against espsecure's arithmetic form
/// (<c>_flash_encryption_tweak_key</c>: <c>key ^= ((mul1*addr) | ((mul2*addr) &amp; mul2_mask)) &amp; tweak_range</c>,
/// <c>addr = offset &gt;&gt; 5</c>); the constants are facts from espsecure v5.3.1 and are used only here.
/// </summary>
public class FlashEncryptionTweakTests
{
    private static readonly BigInteger Mul1 = Hex("0000200004000080000004000080001000000200004000080000040000800010");
    private static readonly BigInteger Mul2 = Hex("0000000000000000200000000000000010000000000000002000000000000001");
    private static readonly BigInteger Mul2Mask = Hex("000000000000007FE00000000000000FF000000000000007E00000000000000F");

    private static readonly BigInteger[] RangeMasks =
    [
        Hex("FFFFFFFFFFFFFFFFE00000000000000000000000000000000000000000000000"),
        Hex("00000000000000001FFFFFFFFFFFFFFFF0000000000000000000000000000000"),
        Hex("000000000000000000000000000000000FFFFFFFFFFFFFFFE000000000000000"),
        Hex("0000000000000000000000000000000000000000000000001FFFFFFFFFFFFFFF"),
    ];

    [Fact]
    public void PatternForm_EqualsEspsecureArithmeticForm_ForAllConfigsAndManyAddresses()
    {
        var key = Esp32FlashCipherTests.Sequence(32);
        var random = new Random(42);
        var addresses = new List<int> { 0, 0x20, 0x1000, 0x10000, 0xFFFFE0, 0x7FFFE0, 0x555540, 0xAAAAA0 };
        for (int i = 0; i < 300; i++)
            addresses.Add(random.Next(0, 1 << 24) & ~31);
        for (int bit = 5; bit < 24; bit++)
            addresses.Add(1 << bit);

        Span<byte> derived = stackalloc byte[32];
        for (int conf = 0; conf <= 0xF; conf++)
        {
            foreach (int address in addresses)
            {
                FlashEncryptionTweak.DeriveBlockKey(key, conf, address, derived);
                Assert.Equal(Convert.ToHexStringLower(ArithmeticForm(key, address, conf)), Convert.ToHexStringLower(derived));
            }
        }
    }

    [Fact]
    public void KeyIsConstantInside32ByteBlock()
    {
        var key = Esp32FlashCipherTests.Sequence(32);
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        FlashEncryptionTweak.DeriveBlockKey(key, 0xF, 0x12340, a);
        FlashEncryptionTweak.DeriveBlockKey(key, 0xF, 0x12350, b);
        Assert.True(a.SequenceEqual(b));
    }

    [Fact]
    public void PatternShape_MatchesEspsecureTable()
    {
        // _FLASH_ENCRYPTION_TWEAK_PATTERN: each range = [23..5] x3 then [14|12|10|8 .. 5].
        Assert.Equal(23, FlashEncryptionTweak.AddressBitFor(0));
        Assert.Equal(5, FlashEncryptionTweak.AddressBitFor(18));
        Assert.Equal(14, FlashEncryptionTweak.AddressBitFor(57));
        Assert.Equal(5, FlashEncryptionTweak.AddressBitFor(66));
        Assert.Equal(23, FlashEncryptionTweak.AddressBitFor(67));
        Assert.Equal(12, FlashEncryptionTweak.AddressBitFor(124));
        Assert.Equal(10, FlashEncryptionTweak.AddressBitFor(189));
        Assert.Equal(8, FlashEncryptionTweak.AddressBitFor(252));
        Assert.Equal(5, FlashEncryptionTweak.AddressBitFor(255));
        Assert.True(FlashEncryptionTweak.IsKeyBitTweaked(66, 0x1));
        Assert.False(FlashEncryptionTweak.IsKeyBitTweaked(67, 0x1));
        Assert.True(FlashEncryptionTweak.IsKeyBitTweaked(195, 0x8));
    }

    private static byte[] ArithmeticForm(byte[] key, int offset, int conf)
    {
        BigInteger range = BigInteger.Zero;
        for (int r = 0; r < 4; r++)
        {
            if ((conf & (1 << r)) != 0)
                range |= RangeMasks[r];
        }
        BigInteger addr = offset >> 5;
        BigInteger k = new(key, isUnsigned: true, isBigEndian: true);
        k ^= ((Mul1 * addr) | ((Mul2 * addr) & Mul2Mask)) & range;
        var bytes = k.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[32];
        bytes.CopyTo(result, 32 - bytes.Length);
        return result;
    }

    private static BigInteger Hex(string hex) => BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber);
}
