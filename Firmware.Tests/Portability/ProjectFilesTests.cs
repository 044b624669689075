using Xunit;

namespace Firmware.Portability;

/// <summary>
/// The .nfproj files list their sources explicitly (as the nanoFramework project system expects), while
/// the host projects glob folders. These tests keep both views identical, so nothing is tested on the
/// host that the device doesn't build, and nothing the device builds escapes the host tests and the guard.
/// </summary>
public class ProjectFilesTests
{
    private static IEnumerable<string> CsFiles(string relativeDir) =>
        Directory.EnumerateFiles(Path.Combine(DeviceSources.RepoRoot, relativeDir), "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(DeviceSources.RepoRoot, p).Replace('\\', '/'))
            .Where(p => !p.Contains("/bin/") && !p.Contains("/obj/"))
            .Order(StringComparer.Ordinal);

    [Theory]
    [InlineData("Firmware/Firmware.nfproj")]
    [InlineData("Firmware.Tests/Firmware.Tests.nfproj")]
    public void EveryCompileItem_Exists(string project)
    {
        var missing = DeviceSources.CompileItems(project).Where(p => !File.Exists(Path.Combine(DeviceSources.RepoRoot, p))).ToList();
        Assert.True(missing.Count == 0, $"{project} lists files that don't exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void FirmwareProject_CompilesExactlyTheCoreAndDeviceFolders_PlusEntryPoint()
    {
        var expected = CsFiles("Firmware/Core").Concat(CsFiles("Firmware/Device"))
            .Append("Firmware/Program.cs").Append("Firmware/Properties/AssemblyInfo.cs").Order(StringComparer.Ordinal);
        Assert.Equal(expected, DeviceSources.CompileItems("Firmware/Firmware.nfproj").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TestProject_CompilesExactlyTheFilesTheHostRunnerCompiles()
    {
        // Firmware.Tests.Host.csproj compiles Firmware.Tests/**/*.cs except Host/, Portability/ and Properties/.
        var hostCompiled = CsFiles("Firmware.Tests")
            .Where(p => !p.StartsWith("Firmware.Tests/Host/", StringComparison.Ordinal)
                     && !p.StartsWith("Firmware.Tests/Portability/", StringComparison.Ordinal)
                     && !p.StartsWith("Firmware.Tests/Properties/", StringComparison.Ordinal));
        var nfproj = DeviceSources.CompileItems("Firmware.Tests/Firmware.Tests.nfproj")
            .Where(p => p != "Firmware.Tests/Properties/AssemblyInfo.cs");
        Assert.Equal(hostCompiled, nfproj.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TestAssembly_IsNamedNFUnitTest()
    {
        // The nanoFramework test launcher loads the test assembly by this name.
        string project = File.ReadAllText(Path.Combine(DeviceSources.RepoRoot, "Firmware.Tests/Firmware.Tests.nfproj"));
        Assert.Contains("<AssemblyName>NFUnitTest</AssemblyName>", project);
        Assert.Contains("<ProjectCapability Include=\"TestContainer\" />", project);
    }

    [Theory]
    [InlineData("Firmware/packages.config", "Firmware/Firmware.nfproj")]
    [InlineData("Firmware.Tests/packages.config", "Firmware.Tests/Firmware.Tests.nfproj")]
    public void EveryHintPath_PointsAtAPackageOfPackagesConfig(string packagesConfig, string project)
    {
        var packages = System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, packagesConfig)).Descendants("package")
            .Select(p => $"{p.Attribute("id")!.Value}.{p.Attribute("version")!.Value}").ToHashSet();
        var hintFolders = System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, project)).Descendants()
            .Where(e => e.Name.LocalName == "HintPath")
            .Select(e => e.Value.Replace('\\', '/').Split('/')[2]) // ../packages/<id>.<version>/lib/x.dll
            .ToList();
        Assert.NotEmpty(hintFolders);
        Assert.All(hintFolders, folder => Assert.Contains(folder, packages));
    }
}
