namespace Firmware.Portability;

/// <summary>A C# file to check (or to compile alongside, for the platform API it declares).</summary>
public sealed record SourceFile(string Path, string Text)
{
    public static SourceFile Read(string path) => new(path, File.ReadAllText(path));
}
