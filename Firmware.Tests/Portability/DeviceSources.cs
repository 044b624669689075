using System.Xml.Linq;

namespace Firmware.Portability;

/// <summary>
/// What the device compiles: the &lt;Compile Include&gt; items of the nanoFramework projects. Reading
/// them from the .nfproj files (not from a folder glob) means a file added to the device build is
/// checked the moment it is added.
/// </summary>
public static class DeviceSources
{
    public static readonly string[] NanoProjects = ["Firmware/Core/IotDevice.Core.nfproj", "Firmware/Interop/IotDevice.Interop.nfproj", "Firmware/Firmware.nfproj", "Firmware.Tests/Firmware.Tests.nfproj"];

    /// <summary>The repository root (the folder holding IotDevice.sln), found upwards from this test's directory.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "IotDevice.sln")))
                    return dir.FullName;
            throw new InvalidOperationException("IotDevice.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Repository-relative paths (forward slashes) of a .nfproj's Compile items.</summary>
    public static IReadOnlyList<string> CompileItems(string nfprojRelativePath)
    {
        string project = Path.Combine(RepoRoot, nfprojRelativePath);
        string dir = Path.GetDirectoryName(nfprojRelativePath)!;
        return XDocument.Load(project).Descendants()
            .Where(e => e.Name.LocalName == "Compile")
            .Select(e => e.Attribute("Include")?.Value ?? throw new InvalidDataException($"{nfprojRelativePath}: Compile item without Include"))
            .Select(inc => Path.Combine(dir, inc.Replace('\\', '/')).Replace('\\', '/'))
            .ToList();
    }

    /// <summary>Every file any nanoFramework project compiles.</summary>
    public static IReadOnlyList<SourceFile> All() =>
        NanoProjects.SelectMany(CompileItems).Distinct()
            .Select(rel => new SourceFile(rel, File.ReadAllText(Path.Combine(RepoRoot, rel))))
            .ToList();

    /// <summary>The host implementation of nanoFramework.TestFramework: compiled along so test code binds to its API.</summary>
    public static IReadOnlyList<SourceFile> TestFrameworkApi() =>
        Directory.GetFiles(Path.Combine(RepoRoot, "Firmware.Tests/Host/TestFramework"), "*.cs")
            .Select(SourceFile.Read).ToList();
}
