using Esp32.Formats.Efuse;
using Xunit;
using F = Esp32.Formats.Efuse.Esp32EfuseFields;

namespace NfBuild.Tests.SecureBoot;

/// <summary>BLOCK2 and ABS_DONE_1 as espefuse v5's esp32 code burns them (burn-key-digest, burn-efuse ABS_DONE_1).</summary>
public class SecureBootV2EfuseTests
{
    private static readonly byte[] Digest = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();

    [Fact]
    public void BurnKeyDigest_StoresTheDigestUnreversed_WriteProtected_StillReadable()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnSecureBootKeyDigest(Digest, chipRevision: 301);

        Assert.Equal(Digest, efuses.GetSecureBootKeyDigest());
        Assert.Equal(Digest, efuses.ReadKeyBlock(F.Block2));
        Assert.True(efuses.IsReadable(F.Block2));
        Assert.False(efuses.IsWriteable(F.Block2));
        Assert.Equal(1u << 8, efuses.Read(F.WrDis));
        Assert.False(efuses.SecureBootV2Enabled);
        Assert.Throws<EfuseBurnException>(() => efuses.BurnSecureBootKeyDigest(new byte[32], 301));

        efuses.Burn(F.AbsDone1, 1);
        Assert.True(efuses.SecureBootV2Enabled);
        // ABS_DONE_1 (word 6, bit 5) leaves its neighbours alone.
        Assert.Equal(0u, efuses.Read(F.JtagDisable));
        Assert.Equal(0u, efuses.Read(F.ConsoleDebugDisable));
    }

    [Fact]
    public void BurnKeyDigest_IsRefusedBeforeRevision3_AndUnder34Coding()
    {
        var efuses = new Esp32Efuses();
        var e = Assert.Throws<EfuseBurnException>(() => efuses.BurnSecureBootKeyDigest(Digest, chipRevision: 100));
        Assert.Equal("Incorrect chip revision for Secure boot v2. Detected: v1.0. Expected: >= v3.0", e.Message);

        efuses.Burn(F.CodingScheme, 1);
        e = Assert.Throws<EfuseBurnException>(() => efuses.BurnSecureBootKeyDigest(Digest, chipRevision: 300));
        Assert.Equal("burn-key-digest only works with 'None' coding scheme", e.Message);
        Assert.False(efuses.HasSecureBootKeyDigest);
    }

    [Fact]
    public void EfuseFile_RoundTripsBlock2AndAbsDone1()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnFlashEncryptionKey(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        efuses.BurnSecureBootKeyDigest(Digest, 300);
        efuses.Burn(F.AbsDone1, 1);

        string json = Esp32EfuseFile.ToJson(efuses);
        Assert.Contains("\"BLOCK2\": \"0xa0a1a2", json);
        var loaded = Esp32EfuseFile.FromJson(json);

        Assert.Equal(Digest, loaded.GetSecureBootKeyDigest());
        Assert.True(loaded.SecureBootV2Enabled);
        Assert.Equal(efuses.GetHardwareFlashEncryptionKey(), loaded.GetHardwareFlashEncryptionKey());
        Assert.Equal(json, Esp32EfuseFile.ToJson(loaded));
    }

    [Fact]
    public void Summary_ShowsBlock2AndAbsDone1AsEspefuseWould()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnSecureBootKeyDigest(Digest, 300);
        efuses.Burn(F.AbsDone1, 1);
        var summary = EspefuseSummary.Build(efuses);

        Assert.Equal("0x" + Convert.ToHexString(Digest).ToLowerInvariant(), (string?)summary["BLOCK2"]!["raw_value"]);
        Assert.True((bool)summary["BLOCK2"]!["readable"]!);
        Assert.False((bool)summary["BLOCK2"]!["writeable"]!);
        Assert.True((bool)summary["ABS_DONE_1"]!["value"]!);
        Assert.Equal(6, (int)summary["ABS_DONE_1"]!["word"]!);
        Assert.Equal(5, (int)summary["ABS_DONE_1"]!["pos"]!);
    }
}
