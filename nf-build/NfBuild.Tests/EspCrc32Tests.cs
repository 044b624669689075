using System.Text;
using Esp32.Formats.Checksums;
using Xunit;

namespace NfBuild.Tests;

public class EspCrc32Tests
{
    [Fact]
    public void CheckValue_MatchesZlibCrc32WithEspSeed()
    {
        // zlib.crc32(b"123456789", 0xFFFFFFFF) == 0xD202D277 (shared reference §2, esp_rom_crc.c semantics).
        Assert.Equal(0xD202D277u, EspCrc32.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void SeedZero_IsStandardCrc32()
    {
        // Standard CRC-32 check value 0xCBF43926 (seed 0), as used by the secure boot v2 block CRC.
        Assert.Equal(0xCBF43926u, EspCrc32.Compute(Encoding.ASCII.GetBytes("123456789"), 0));
    }

    [Theory]
    // bootloader_common_ota_select_crc for ota_seq 1, 2, 3 (otatool uses binascii.crc32(pack('I', seq), 0xFFFFFFFF)).
    [InlineData(1u, 0x4743989Au)]
    [InlineData(2u, 0x55F63774u)]
    [InlineData(3u, 0xED4A5011u)]
    public void OtaSelectCrc_KnownValues(uint seq, uint expected)
    {
        Assert.Equal(expected, EspCrc32.Compute(BitConverter.GetBytes(seq)));
    }

    [Fact]
    public void Append_EqualsOneShot()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(EspCrc32.Compute(data), EspCrc32.Append(EspCrc32.Compute(data.AsSpan(0, 4)), data.AsSpan(4)));
    }
}
