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
    [InlineData("Firmware/Core/IotDevice.Core.nfproj")]
    [InlineData("Firmware/Interop/IotDevice.Interop.nfproj")]
    [InlineData("Firmware/Firmware.nfproj")]
    [InlineData("Firmware.Tests/Firmware.Tests.nfproj")]
    public void EveryCompileItem_Exists(string project)
    {
        var missing = DeviceSources.CompileItems(project).Where(p => !File.Exists(Path.Combine(DeviceSources.RepoRoot, p))).ToList();
        Assert.True(missing.Count == 0, $"{project} lists files that don't exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void CoreLibraryProject_CompilesExactlyTheCoreFolder()
    {
        // Firmware.Core.csproj (host) globs the same folder, minus Properties/ (the SDK writes its own
        // assembly attributes); Firmware/MscorlibBuild reads this very list from the .nfproj.
        Assert.Equal(CsFiles("Firmware/Core"), DeviceSources.CompileItems("Firmware/Core/IotDevice.Core.nfproj").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FirmwareProject_CompilesExactlyTheDeviceFolder_PlusEntryPoint_AndReferencesTheCore()
    {
        var expected = CsFiles("Firmware/Device")
            .Append("Firmware/Program.cs").Append("Firmware/Properties/AssemblyInfo.cs").Order(StringComparer.Ordinal);
        Assert.Equal(expected, DeviceSources.CompileItems("Firmware/Firmware.nfproj").Order(StringComparer.Ordinal));
        Assert.Contains("Firmware/Core/IotDevice.Core.nfproj", ProjectReferences("Firmware/Firmware.nfproj"));
    }

    [Fact]
    public void InteropLibrary_CompilesExactlyItsFolder_IsALibrary_AndReferencesNoOtherProject()
    {
        // Firmware.Interop.csproj (host) globs the same folder minus Properties/; NfBuild.Tests/Image reads its metadata
        // to check the native method table of nf-build/Image/target/IotDevice.Interop.
        var expected = CsFiles("Firmware/Interop");
        Assert.Equal(expected, DeviceSources.CompileItems("Firmware/Interop/IotDevice.Interop.nfproj").Order(StringComparer.Ordinal));
        Assert.Equal("Library", OutputType("Firmware/Interop/IotDevice.Interop.nfproj"));
        Assert.Empty(ProjectReferences("Firmware/Interop/IotDevice.Interop.nfproj"));
        Assert.Contains("Firmware/Interop/IotDevice.Interop.nfproj", ProjectReferences("Firmware/Firmware.nfproj"));
    }

    [Fact]
    public void CoreLibrary_IsALibrary_ThatReferencesNoOtherProject()
    {
        Assert.Equal("Library", OutputType("Firmware/Core/IotDevice.Core.nfproj"));
        Assert.Empty(ProjectReferences("Firmware/Core/IotDevice.Core.nfproj"));
    }

    [Fact]
    public void NoTestProject_ReferencesAnExecutable()
    {
        // The nanoFramework runtime starts the entry point of the last assembly it resolves: a test project
        // that (even indirectly) references an OutputType Exe project runs that Main instead of the test
        // launcher, and no test runs on the device or in Visual Studio (nanoframework/Home#1070).
        var testProjects = NanoProjectFiles().Where(p => File.ReadAllText(Path.Combine(DeviceSources.RepoRoot, p)).Contains("<IsTestProject>true</IsTestProject>")).ToList();
        Assert.Contains("Firmware.Tests/Firmware.Tests.nfproj", testProjects);
        foreach (string test in testProjects)
        {
            var executables = ReferenceClosure(test).Where(p => OutputType(p) == "Exe").ToList();
            Assert.True(executables.Count == 0, $"{test} references executable project(s) {string.Join(", ", executables)}; reference libraries only");
        }
    }

    [Fact]
    public void ExecutableDetection_FindsTheFirmware()
    {
        // The check above is only worth something if it recognises the one executable we have.
        Assert.Equal("Exe", OutputType("Firmware/Firmware.nfproj"));
        Assert.Contains("Firmware/Core/IotDevice.Core.nfproj", ReferenceClosure("Firmware/Firmware.nfproj"));
    }

    private static IEnumerable<string> NanoProjectFiles() =>
        Directory.EnumerateFiles(DeviceSources.RepoRoot, "*.nfproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(DeviceSources.RepoRoot, p).Replace('\\', '/'))
            .Where(p => !p.Contains("/bin/") && !p.Contains("/obj/"));

    private static string OutputType(string project) =>
        System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, project)).Descendants()
            .FirstOrDefault(e => e.Name.LocalName == "OutputType")?.Value ?? "Library";

    private static List<string> ProjectReferences(string project)
    {
        string dir = Path.GetDirectoryName(project)!;
        return System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, project)).Descendants()
            .Where(e => e.Name.LocalName == "ProjectReference")
            .Select(e => Path.GetRelativePath(DeviceSources.RepoRoot, Path.GetFullPath(Path.Combine(DeviceSources.RepoRoot, dir, e.Attribute("Include")!.Value.Replace('\\', '/')))).Replace('\\', '/'))
            .ToList();
    }

    private static HashSet<string> ReferenceClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(ProjectReferences(project));
        while (pending.Count > 0)
        {
            string next = pending.Pop();
            if (seen.Add(next))
                foreach (string r in ProjectReferences(next))
                    pending.Push(r);
        }
        return seen;
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

    [Fact]
    public void EveryPackagesConfig_PinsTheSameCoreLibrary()
    {
        // One mscorlib for the core library, the firmware and the tests (and the one MscorlibBuild compiles against).
        var versions = new[] { "Firmware/Core/packages.config", "Firmware/packages.config", "Firmware.Tests/packages.config" }
            .Select(f => System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, f)).Descendants("package")
                .Single(p => p.Attribute("id")!.Value == "nanoFramework.CoreLibrary").Attribute("version")!.Value)
            .Distinct().ToList();
        Assert.Single(versions);
    }

    [Theory]
    [InlineData("Firmware/Core/packages.config", "Firmware/Core/IotDevice.Core.nfproj")]
    [InlineData("Firmware/packages.config", "Firmware/Firmware.nfproj")]
    [InlineData("Firmware/Interop/packages.config", "Firmware/Interop/IotDevice.Interop.nfproj")]
    [InlineData("Firmware.Tests/packages.config", "Firmware.Tests/Firmware.Tests.nfproj")]
    public void EveryHintPath_PointsAtAPackageOfPackagesConfig(string packagesConfig, string project)
    {
        var packages = System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, packagesConfig)).Descendants("package")
            .Select(p => $"{p.Attribute("id")!.Value}.{p.Attribute("version")!.Value}").ToHashSet();
        var hintFolders = System.Xml.Linq.XDocument.Load(Path.Combine(DeviceSources.RepoRoot, project)).Descendants()
            .Where(e => e.Name.LocalName == "HintPath")
            .Select(e => e.Value.Replace('\\', '/').Split('/').SkipWhile(part => part != "packages").ElementAt(1)) // ../packages/<id>.<version>/lib/x.dll
            .ToList();
        Assert.NotEmpty(hintFolders);
        Assert.All(hintFolders, folder => Assert.Contains(folder, packages));
    }
}
