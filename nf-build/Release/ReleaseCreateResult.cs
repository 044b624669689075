namespace NfBuild.Release;

/// <summary>What `release create` wrote.</summary>
public sealed record ReleaseCreateResult(string Directory, byte[] Manifest, int PreviousSecureVersion, int SecureVersion, IReadOnlyList<string> Notes);
