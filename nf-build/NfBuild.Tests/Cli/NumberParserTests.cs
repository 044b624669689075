using NfBuild.Cli;
using Xunit;

namespace NfBuild.Tests.Cli;

public class NumberParserTests
{
    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("0x8000", 0x8000)]
    [InlineData("0X1a0000", 0x1A0000)]
    [InlineData("4K", 4096)]
    [InlineData("1M", 1048576)]
    [InlineData("0x10K", 0x4000)]
    public void Parses_DecimalHexAndSuffixes(string text, long expected) => Assert.Equal(expected, NumberParser.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("12ab")]
    [InlineData("-5")]
    [InlineData("0xZZ")]
    public void Rejects_NonNumbers_NamingTheInput(string text)
    {
        var ex = Assert.Throws<CliUsageException>(() => NumberParser.Parse(text));
        Assert.Contains($"'{text}'", ex.Message);
    }
}
