using System.Text.RegularExpressions;
using NfBuild.Image;
using Xunit;

namespace NfBuild.Tests.Image;

/// <summary>image-manifest.json lists every Kconfig symbol, CMake option and upstream path the configuration relies on.</summary>
public class ImageManifestTests
{
    private static readonly ImageManifest Manifest = ImageManifest.Load();

    [Fact]
    public void EverySymbolTheWriterEmits_IsInTheManifest()
    {
        foreach (var o in ImageConfigWriterTests.AllConfigurations())
            foreach (var setting in SdkconfigDelta.Idf(o).Concat(SdkconfigDelta.NanoFramework(o)))
                Assert.True(Manifest.KconfigSymbols.Contains(setting.Symbol), $"{setting.Symbol} ({o}) is not listed in image-manifest.json");
    }

    [Fact]
    public void EveryManifestSymbol_IsEmittedBySomeConfiguration()
    {
        // the manifest lists what we rely on, not a wish list
        var emitted = ImageConfigWriterTests.AllConfigurations()
            .SelectMany(o => SdkconfigDelta.Idf(o).Concat(SdkconfigDelta.NanoFramework(o))).Select(s => s.Symbol).ToHashSet();
        foreach (string symbol in Manifest.KconfigSymbols)
            Assert.True(emitted.Contains(symbol), $"{symbol} is in the manifest but no configuration emits it");
    }

    [Fact]
    public void EveryCmakeOptionAndPreset_OfTheBuildCommands_IsInTheManifest()
    {
        foreach (var o in ImageConfigWriterTests.AllConfigurations())
        {
            string configure = BuildInstructions.ConfigureCommand(o);
            foreach (Match m in Regex.Matches(configure, @"-D([A-Z_]+)="))
                Assert.True(Manifest.CmakeNames.Contains(m.Groups[1].Value), $"-D{m.Groups[1].Value} is not listed in image-manifest.json");
            Assert.Contains(o.PresetName, Manifest.CmakeNames);
        }
        foreach (string option in BuildInstructions.CmakeOptions)
            Assert.Contains(option, Manifest.CmakeNames);
    }

    [Fact]
    public void EveryCmakeVariable_OurModuleUses_IsInTheManifest()
    {
        string module = System.Text.Encoding.UTF8.GetString(ImageConfigWriter.TargetSources()["FindINTEROP-IotDevice.Interop.cmake"]);
        var ours = new HashSet<string>(StringComparer.Ordinal) { "BASE_PATH_FOR_THIS_MODULE", "SRC_FILE" };
        foreach (Match m in Regex.Matches(module, @"\$\{([A-Za-z_.]+)\}"))
        {
            string name = m.Groups[1].Value;
            if (ours.Contains(name) || name.StartsWith("IotDevice.Interop_", StringComparison.Ordinal))
                continue;
            Assert.True(Manifest.CmakeNames.Contains(name), $"${{{name}}} (our CMake module) is not listed in image-manifest.json");
        }
    }

    [Fact]
    public void EveryUpstreamPath_OurSourcesName_IsInTheManifest()
    {
        var nfPath = new Regex(@"(?<![\w.])((?:targets/ESP32|src/[A-Za-z]+|CMake/Modules)/[A-Za-z0-9_./]+\.(?:cmake|cpp|c|h))\b");
        var idfInclude = new Regex(@"components/([a-z_0-9]+)/");
        foreach (var (name, bytes) in ImageConfigWriter.TargetSources())
        {
            string text = System.Text.Encoding.UTF8.GetString(bytes);
            foreach (Match m in nfPath.Matches(text))
            {
                string path = m.Groups[1].Value;
                if (path.StartsWith("CMake/Modules/FindINTEROP-IotDevice", StringComparison.Ordinal))
                    continue; // ours
                Assert.True(Manifest.UpstreamPaths.Contains(path), $"{name} names {path}, not listed in image-manifest.json upstreamPaths");
            }
            foreach (Match m in idfInclude.Matches(text))
                Assert.True(Manifest.IdfPaths.Any(p => p.StartsWith("components/" + m.Groups[1].Value + "/", StringComparison.Ordinal)),
                    $"{name} uses ESP-IDF component {m.Groups[1].Value}, not listed in image-manifest.json idfPaths");
        }
    }

    [Fact]
    public void EveryIdfHeader_OurSourcesInclude_IsInTheManifest()
    {
        // <esp_*.h>, <nvs.h>: the ESP-IDF API we compile against (mbedTLS and C library headers aside)
        var include = new Regex(@"#include <((?:esp_[a-z_]+|nvs)\.h)>");
        var listed = Manifest.IdfPaths.Select(p => p[(p.LastIndexOf('/') + 1)..]).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, bytes) in ImageConfigWriter.TargetSources())
            foreach (Match m in include.Matches(System.Text.Encoding.UTF8.GetString(bytes)))
                Assert.True(listed.Contains(m.Groups[1].Value), $"{name} includes <{m.Groups[1].Value}>, not listed in image-manifest.json idfPaths");
    }

    [Fact]
    public void Pins_AreFullCommits_AndTheBuildInstructionsUseThem()
    {
        Assert.Matches("^[0-9a-f]{40}$", Manifest.NfInterpreterCommit);
        Assert.Matches("^[0-9a-f]{40}$", (string)Manifest.Root["espIdf"]!["commit"]!);
        Assert.Equal("v5.5.4", Manifest.EspIdfTag);
        foreach (var o in ImageConfigWriterTests.AllConfigurations())
        {
            string build = System.Text.Encoding.UTF8.GetString(ImageConfigWriter.Files(o)[ImageConfigWriter.BuildFile]);
            Assert.Contains(Manifest.NfInterpreterCommit, build);
            Assert.Contains(Manifest.EspIdfTag, build);
        }
    }

    [Fact]
    public void NativeAssemblies_CoverEveryPackageOfTheFirmware()
    {
        var packages = System.Xml.Linq.XDocument.Load(NfBuild.Tests.Virtual.TestDevices.RepoFile("Firmware/packages.config"))
            .Descendants("package").Select(p => (Id: p.Attribute("id")!.Value, Version: p.Attribute("version")!.Value)).ToList();
        var listed = ((System.Text.Json.Nodes.JsonArray)Manifest.Root["nativeAssemblies"]!)
            .Select(e => ((string)e!["package"]!, (string)e["version"]!)).ToHashSet();
        // M2Mqtt is managed code on System.Net: no native assembly of its own
        foreach (var p in packages.Where(p => p.Id != "nanoFramework.M2Mqtt" && p.Id != "nanoFramework.System.Net.Http"))
            Assert.True(listed.Contains((p.Id, p.Version)), $"{p.Id} {p.Version} (Firmware/packages.config) has no nativeAssemblies entry");
    }
}
