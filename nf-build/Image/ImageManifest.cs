using System.Text.Json.Nodes;

namespace NfBuild.Image;

/// <summary>image-manifest.json (embedded): the pinned upstream versions and every symbol, option and path we rely on.</summary>
public sealed class ImageManifest
{
    private ImageManifest(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public string NfInterpreterCommit => (string)Root["nfInterpreter"]!["commit"]!;
    public string EspIdfTag => (string)Root["espIdf"]!["tag"]!;

    /// <summary>ESP-IDF and nanoFramework Kconfig symbols.</summary>
    public IReadOnlySet<string> KconfigSymbols =>
        Names("kconfig", "symbol").Concat(Names("nfKconfig", "symbol")).ToHashSet(StringComparer.Ordinal);

    public IReadOnlySet<string> CmakeNames => Names("cmake", "name").ToHashSet(StringComparer.Ordinal);

    /// <summary>nf-interpreter paths.</summary>
    public IReadOnlySet<string> UpstreamPaths => Names("upstreamPaths", "path").ToHashSet(StringComparer.Ordinal);

    /// <summary>ESP-IDF paths.</summary>
    public IReadOnlySet<string> IdfPaths => Names("idfPaths", "path").ToHashSet(StringComparer.Ordinal);

    private IEnumerable<string> Names(string array, string field) =>
        ((JsonArray)Root[array]!).Select(e => (string)e![field]!);

    public static ImageManifest Load()
    {
        using Stream stream = typeof(ImageManifest).Assembly.GetManifestResourceStream("IotDevice.image-manifest.json")
            ?? throw new InvalidOperationException("image-manifest.json is not embedded in the tool");
        return new ImageManifest((JsonObject)JsonNode.Parse(stream)!);
    }
}
