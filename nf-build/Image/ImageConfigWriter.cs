using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NfBuild.Image;

/// <summary>
/// `nf-build image config`: writes everything nanoFramework's ESP32 firmware build needs for our image into one folder,
/// laid out as it goes into an nf-interpreter checkout:
/// <code>
///   build/sdkconfig.default.esp32                          ESP-IDF sdkconfig delta (layered over nanoFramework's defaults)
///   config/iotdevice-kconfig.conf                          nanoFramework Kconfig overlay (NF_USER_KCONFIG_OVERLAY)
///   InteropAssemblies/IotDevice.Interop/*                  our native sources + partitions.csv
///   CMake/Modules/FindINTEROP-IotDevice.Interop.cmake      our interop CMake module
///   image-manifest.json                                    the manifest plus this configuration
///   BUILD.md                                               the build commands
/// </code>
/// Nothing here is upstream code: the sources are ours (nf-build/Image/target), the rest is configuration.
/// </summary>
public static class ImageConfigWriter
{
    public const string NfKconfigOverlayPath = "config/iotdevice-kconfig.conf";
    public const string CmakeModulePath = "CMake/Modules/FindINTEROP-IotDevice.Interop.cmake";
    public const string ManifestFile = "image-manifest.json";
    public const string BuildFile = "BUILD.md";

    /// <summary>The files of one configuration, relative path → bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files(ImageOptions o)
    {
        o.Validate();
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var idf = SdkconfigDelta.Idf(o);
        var nf = SdkconfigDelta.NanoFramework(o);
        files[SdkconfigDelta.IdfDeltaPathInCheckout] = Utf8(SdkconfigDelta.Render(idf, o,
            "ESP-IDF sdkconfig delta, loaded after nanoFramework's defaults for the target (build/sdkconfig.default)"));
        files[NfKconfigOverlayPath] = Utf8(SdkconfigDelta.Render(nf, o,
            "nanoFramework Kconfig overlay over the preset's defconfig (-DNF_USER_KCONFIG_OVERLAY)"));
        files[SdkconfigDelta.InteropFolderInCheckout + "/partitions.csv"] = PartitionsCsv();
        foreach (var (name, bytes) in TargetSources())
        {
            if (name == "FindINTEROP-IotDevice.Interop.cmake")
                files[CmakeModulePath] = bytes;
            else
                files[SdkconfigDelta.InteropFolderInCheckout + "/" + name] = bytes;
        }
        files[BuildFile] = Utf8(BuildInstructions.Render(o));
        files[ManifestFile] = Utf8(ManifestWithConfiguration(o, idf, nf));
        return files;
    }

    /// <summary>Writes the folder: refuses one that exists and is not empty, builds in a staging folder, renames at the end.</summary>
    public static IReadOnlyList<string> Write(ImageOptions o, string outputDirectory)
    {
        var files = Files(o);
        string target = Path.GetFullPath(outputDirectory);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new ImageConfigException($"{outputDirectory}: exists and is not empty (image config writes a new folder)");
        string parent = Path.GetDirectoryName(target) ?? throw new ImageConfigException($"{outputDirectory}: no parent folder");
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, "." + Path.GetFileName(target) + ".staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var (relative, bytes) in files)
            {
                string path = Path.Combine(staging, relative.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }
            if (Directory.Exists(target))
                Directory.Delete(target);
            Directory.Move(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
        return files.Keys.ToList();
    }

    /// <summary>The repository's partitions.csv, embedded in the tool.</summary>
    public static byte[] PartitionsCsv()
    {
        using Stream stream = typeof(ImageConfigWriter).Assembly.GetManifestResourceStream("IotDevice.partitions.csv")
            ?? throw new InvalidOperationException("partitions.csv is not embedded in the tool");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Our sources in nf-build/Image/target (embedded): file name → bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> TargetSources()
    {
        const string prefix = "IotDevice.target/";
        var assembly = typeof(ImageConfigWriter).Assembly;
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            // RecursiveDir may carry either separator
            string name = resource[prefix.Length..].Replace('\\', '/');
            result[name[(name.LastIndexOf('/') + 1)..]] = copy.ToArray();
        }
        return result;
    }

    private static string ManifestWithConfiguration(ImageOptions o, IReadOnlyList<KconfigSetting> idf, IReadOnlyList<KconfigSetting> nf)
    {
        var root = ImageManifest.Load().Root.DeepClone().AsObject();
        root["configuration"] = new JsonObject
        {
            ["preset"] = o.PresetName,
            ["flashEncryption"] = o.FlashEncryption.ToString().ToLowerInvariant(),
            ["secureBoot"] = o.SecureBoot,
            ["secureVersion"] = o.SecureVersion,
            ["idfDelta"] = new JsonArray(idf.Select(s => (JsonNode)JsonValue.Create(s.Line)!).ToArray()),
            ["nfKconfigOverlay"] = new JsonArray(nf.Select(s => (JsonNode)JsonValue.Create(s.Line)!).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);
}
