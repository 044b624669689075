using IotDevice.Core.Updates;

namespace NfBuild.Release;

/// <summary>A release that verified: its manifest and what was checked.</summary>
public sealed record ReleaseVerification(ReleaseManifest Manifest, byte[] ManifestBytes, IReadOnlyList<string> Checked);
