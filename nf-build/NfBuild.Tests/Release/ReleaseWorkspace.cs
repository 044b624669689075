using Esp32.Formats.AppImage;
using NfBuild.Tests.AppImage;
using NfBuild.Tests.Fleet;

namespace NfBuild.Tests.Release;

/// <summary>A fleet with a release key, and app / deploy images to release.</summary>
internal sealed class ReleaseWorkspace : IDisposable
{
    public FleetWorkspace Ws { get; } = new();

    public string FleetDir => Ws.FleetDir;

    public string PathOf(string name) => Ws.PathOf(name);

    public ReleaseWorkspace(bool keygen = true)
    {
        Ws.Init();
        if (keygen)
            Ws.Ok("release", "keygen", FleetDir);
    }

    /// <summary>A valid ESP32 app image whose esp_app_desc_t carries <paramref name="secureVersion"/>.</summary>
    public static byte[] AppImage(uint secureVersion, string version = "1.4.0", bool appendSha = true, int seed = 2) =>
        new AppImageBuilder(AppImageTestData.Description with { SecureVersion = secureVersion, Version = version })
            {
                Header = new AppImageHeader { EntryAddress = AppImageTestData.EntryAddress },
                RodataAfterDescription = AppImageTestData.Pattern(64, 1),
                AppendSha256 = appendSha,
            }
            .AddSegment(AppImageTestData.IromAddress, AppImageTestData.Pattern(0x100, seed))
            .AddSegment(AppImageTestData.DramAddress, AppImageTestData.Pattern(0x400, 3))
            .AddSegment(AppImageTestData.IramAddress, AppImageTestData.Pattern(0x3000, 4, 13))
            .Build();

    public string WriteApp(string name, uint secureVersion, string version = "1.4.0", bool appendSha = true)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, AppImage(secureVersion, version, appendSha));
        return path;
    }

    public string WriteDeploy(string name, int length = 40_000, int seed = 9)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, AppImageTestData.Pattern(length, seed, 11));
        return path;
    }

    public (int Exit, string Out, string Err) Create(string output, string version, int secureVersion, string app, string deploy, params string[] extra)
    {
        var args = new List<string> { "release", "create", FleetDir, "--version", version, "--secure-version", secureVersion.ToString(), "--app", app, "--deploy", deploy, "-o", output };
        args.AddRange(extra);
        return Ws.Run(args.ToArray());
    }

    public void Dispose() => Ws.Dispose();
}
