using Esp32.Formats;
using Esp32.Formats.Efuse;
using Xunit;
using F = Esp32.Formats.Efuse.Esp32EfuseFields;

namespace NfBuild.Tests.Efuse;

public class Esp32EfuseFileTests
{
    private static readonly byte[] Key32 = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void RoundTrip_PreservesEveryField_IncludingReadProtectedKey()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnFlashEncryptionKey(Key32);
        efuses.Burn(F.FlashCryptConfig, 0xF);
        efuses.IncrementFlashCryptCnt();
        efuses.UpdateSecureVersion(3);
        efuses.Burn(F.JtagDisable, 1);

        string json = Esp32EfuseFile.ToJson(efuses);
        Assert.Contains("\"FLASH_CRYPT_CNT\": \"0x01\"", json);
        Assert.Contains("\"WR_DIS\": \"0x0080\"", json);
        Assert.Contains("\"SECURE_VERSION\": \"0x00000007\"", json);
        Assert.Contains("\"BLOCK1\": \"0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100\"", json);

        var loaded = Esp32EfuseFile.FromJson(json);
        foreach (var field in F.All.Where(f => !f.IsKeyBlock))
            Assert.Equal(efuses.ReadHardware(field), loaded.ReadHardware(field));
        Assert.Equal(Key32, loaded.GetHardwareFlashEncryptionKey());
        Assert.False(loaded.IsReadable(F.Block1));
        Assert.Equal(json, Esp32EfuseFile.ToJson(loaded));
    }

    [Fact]
    public void RoundTrip_34CodingScheme()
    {
        var efuses = new Esp32Efuses();
        efuses.Burn(F.CodingScheme, 1);
        efuses.BurnFlashEncryptionKey(Enumerable.Range(0, 24).Select(i => (byte)i).ToArray(), protectKey: false);
        string json = Esp32EfuseFile.ToJson(efuses);
        Assert.Contains("\"BLOCK1\": \"0x17161514131211100f0e0d0c0b0a09080706050403020100\"", json);
        Assert.Equal(efuses.GetHardwareFlashEncryptionKey(), Esp32EfuseFile.FromJson(json).GetHardwareFlashEncryptionKey());
    }

    [Fact]
    public void SaveAndLoad_File_MissingFileIsBlankChip()
    {
        string dir = Path.Combine(Path.GetTempPath(), "efuse-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "efuse.json");
            var blank = Esp32EfuseFile.Load(path);
            Assert.Equal(0u, blank.FlashCryptCnt);
            Assert.False(blank.HasFlashEncryptionKey);

            blank.IncrementFlashCryptCnt();
            Esp32EfuseFile.Save(blank, path);
            Assert.Equal(1u, Esp32EfuseFile.Load(path).FlashCryptCnt);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MinimalFile_LeavesOtherFieldsUnburned()
    {
        var efuses = Esp32EfuseFile.FromJson("""{"chip": "ESP32", "efuses": {"FLASH_CRYPT_CNT": "0x7f", "DISABLE_DL_ENCRYPT": "1"}}""");
        Assert.Equal(0x7Fu, efuses.FlashCryptCnt);
        Assert.Equal(1u, efuses.Read(F.DisableDlEncrypt));
        Assert.Equal(0u, efuses.Read(F.JtagDisable));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"chip": "ESP32-S3", "efuses": {}}""", "\"chip\" must be \"ESP32\"")]
    [InlineData("""{"chip": "ESP32"}""", "missing \"efuses\"")]
    [InlineData("""{"chip": "ESP32", "efuses": {"FLASH_CRYPT_CNTT": "0x1"}}""", "unknown eFuse \"FLASH_CRYPT_CNTT\"")]
    [InlineData("""{"chip": "ESP32", "efuses": {"FLASH_CRYPT_CNT": "0x80"}}""", "not a 7-bit value")]
    [InlineData("""{"chip": "ESP32", "efuses": {"FLASH_CRYPT_CNT": 1}}""", "must be a hex string")]
    [InlineData("""{"chip": "ESP32", "efuses": {"BLOCK1": "0x0102"}}""", "BLOCK1 must be 32 bytes")]
    [InlineData("""{"chip": "ESP32", "efuses": {"CODING_SCHEME": "0x1", "BLOCK1": "0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"}}""", "BLOCK1 must be 24 bytes")]
    public void MalformedFile_IsRejectedWithReason(string json, string expected)
    {
        var ex = Assert.Throws<Esp32FormatException>(() => Esp32EfuseFile.FromJson(json, "efuse.json"));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith("efuse.json", ex.Message);
    }
}
