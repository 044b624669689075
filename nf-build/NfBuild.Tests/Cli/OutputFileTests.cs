using NfBuild.Cli;
using Xunit;

namespace NfBuild.Tests.Cli;

public class OutputFileTests
{
    [Fact]
    public void Write_ReplacesTheFile_AndLeavesNoTemporaryFile()
    {
        string dir = Directory.CreateTempSubdirectory("nfb-out").FullName;
        string path = Path.Combine(dir, "image.bin");
        File.WriteAllText(path, "old");

        OutputFile.Write(path, new byte[] { 1, 2, 3 });

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void Write_IntoAMissingFolder_FailsClearly()
    {
        var ex = Assert.Throws<CliUsageException>(() => OutputFile.Write("/nonexistent-folder-xyz/out.bin", new byte[1]));
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void ReadInput_MissingFile_NamesIt()
    {
        var ex = Assert.Throws<CliUsageException>(() => OutputFile.ReadInput("/no/such/file.csv", "partition table"));
        Assert.Equal("partition table '/no/such/file.csv' does not exist", ex.Message);
    }
}
