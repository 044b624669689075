using Esp32.Formats.Ota;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// <c>esp_ota_select_entry_t</c> bytes and validity rules (bootloader_common_loader.c, ESP-IDF v5.5.5).
/// The CRC values are <c>binascii.crc32(struct.pack('I', seq), 0xFFFFFFFF)</c>, the expression otatool.py
/// uses, evaluated with Python 3.11.7 (seq 1 → 0x4743989a also appears in a device log quoted in
/// ruuvi/ruuvi.gateway_esp.c issue #1278).
/// </summary>
public class OtaSelectEntryTests
{
    [Fact]
    public void Entry_seq1_new_has_the_known_bytes()
    {
        Assert.Equal(
            "01000000" + string.Concat(Enumerable.Repeat("ff", 20)) + "00000000" + "9a984347",
            Convert.ToHexStringLower(OtaSelectEntry.Create(1, OtaImageState.New).ToBytes()));
    }

    [Theory]
    [InlineData(1u, 0x4743989Au)]
    [InlineData(2u, 0x55F63774u)]
    [InlineData(3u, 0xED4A5011u)]
    public void Crc_is_esp_rom_crc32_le_of_the_sequence(uint sequence, uint crc)
    {
        Assert.Equal(crc, OtaSelectEntry.ComputeCrc(sequence));
        Assert.Equal(crc, OtaSelectEntry.Create(sequence, OtaImageState.Valid).Crc);
    }

    [Fact]
    public void Bytes_round_trip()
    {
        var entry = new OtaSelectEntry(7, Enumerable.Range(0, 20).Select(i => (byte)i).ToArray(), OtaImageState.PendingVerify, 0x12345678);
        Assert.Equal(entry, OtaSelectEntry.FromBytes(entry.ToBytes()));
        Assert.Equal(OtaSelectEntry.Erased, OtaSelectEntry.FromBytes(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
    }

    [Theory]
    [InlineData(OtaImageState.New, true)]
    [InlineData(OtaImageState.PendingVerify, true)]
    [InlineData(OtaImageState.Valid, true)]
    [InlineData(OtaImageState.Undefined, true)]
    [InlineData(OtaImageState.Invalid, false)]
    [InlineData(OtaImageState.Aborted, false)]
    public void Validity_depends_on_state_seq_and_crc(OtaImageState state, bool valid)
    {
        var entry = OtaSelectEntry.Create(5, state);
        Assert.Equal(valid, entry.IsValid);
        Assert.False((entry with { Crc = entry.Crc ^ 1 }).IsValid);
        Assert.True((entry with { Crc = entry.Crc ^ 1 }).IsInitial);
        Assert.False(entry.IsInitial);
        Assert.True(OtaSelectEntry.Erased.IsInvalid);
        Assert.True(OtaSelectEntry.Erased.IsInitial);
    }

    [Fact]
    public void Active_copy_is_the_valid_one_with_the_larger_sequence_copy0_on_ties()
    {
        var s2 = OtaSelectEntry.Create(2, OtaImageState.Valid);
        var s3 = OtaSelectEntry.Create(3, OtaImageState.Valid);
        Assert.Equal(1, new OtaSelectPair(s2, s3).ActiveIndex);
        Assert.Equal(0, new OtaSelectPair(s3, s2).ActiveIndex);
        Assert.Equal(0, new OtaSelectPair(s3, s3).ActiveIndex);
        Assert.Equal(0, new OtaSelectPair(s2, s3 with { State = OtaImageState.Aborted }).ActiveIndex);
        Assert.Equal(-1, OtaSelectPair.Erased.ActiveIndex);
    }
}
