using System.Security.Cryptography;

namespace NfBuild.Release;

/// <summary>A part's bytes with its size and SHA-256 (lower-case hex, as the manifest spells it).</summary>
internal sealed record PartFile(byte[] Bytes, string Sha256Hex)
{
    public int Size => Bytes.Length;

    public static PartFile Read(string path, string what)
    {
        if (!File.Exists(path))
            throw new ReleaseException($"{what} '{path}' does not exist");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
            throw new ReleaseException($"{what} '{path}' is empty");
        return new PartFile(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}
