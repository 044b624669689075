namespace NfBuild.Fleet;

/// <summary>What goes into a bundle.</summary>
internal sealed record DeviceBundleContents(
    string DeviceId,
    string CertificatePem,
    string PrivateKeyPem,
    string FallbackPassword,
    string RootCaPem,
    string IssuingCaPem,
    IReadOnlyList<string> PrimaryEndpoints,
    IReadOnlyList<string> FallbackEndpoints,
    DateTimeOffset TimeFloor,
    string? WifiSsid,
    string? WifiPassword,
    string? ReleasePublicKeyPem = null);
