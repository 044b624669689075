using Esp32.Formats.Flash;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>The power-cut decorator itself: torn writes and erases, counting, staying off until Restore.</summary>
public class PowerCutFlashTests
{
    [Fact]
    public void Torn_write_programs_a_prefix_then_everything_fails_until_restore()
    {
        var memory = new MemoryFlash(8192);
        var flash = new PowerCutFlash(memory);
        flash.Write(0, new byte[] { 1, 2, 3, 4 });
        flash.CutAt(2);
        flash.Write(16, new byte[] { 0xA0, 0xA1 });
        var e = Assert.Throws<PowerCutException>(() => flash.Write(32, new byte[] { 0, 0, 0, 0, 0, 0 }));
        Assert.Contains("write #3", e.Message);
        Assert.Equal(new byte[] { 0, 0, 0, 0xFF, 0xFF, 0xFF }, memory.Contents.AsSpan(32, 6).ToArray());
        Assert.True(flash.IsPoweredOff);
        Assert.Throws<PowerCutException>(() => flash.Read(0, new byte[1]));
        Assert.Throws<PowerCutException>(() => flash.Erase(0, 4096));
        Assert.Equal(3, flash.OperationCount);
        flash.Restore();
        flash.Write(48, new byte[] { 7 });
        Assert.Equal(7, memory.Contents[48]);
        Assert.Equal(4, flash.WriteCount);
    }

    [Fact]
    public void Torn_erase_erases_a_prefix_and_keeps_the_rest()
    {
        var memory = new MemoryFlash(8192);
        memory.Write(0, new byte[8192].AsSpan()); // all zero
        var flash = new PowerCutFlash(memory, tornEraseLength: n => 100);
        flash.CutAt(1);
        Assert.Throws<PowerCutException>(() => flash.Erase(4096, 4096));
        Assert.All(memory.Contents.AsSpan(4096, 100).ToArray(), b => Assert.Equal(0xFF, b));
        Assert.All(memory.Contents.AsSpan(4196, 3996).ToArray(), b => Assert.Equal(0, b));
        Assert.All(memory.Contents.AsSpan(0, 4096).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(1, flash.EraseCount);
    }
}
