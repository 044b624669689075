namespace NfBuild.Fleet;

/// <summary>Parameters of <see cref="DeviceProvisioning.AddDevice"/>.</summary>
public sealed class AddDeviceOptions
{
    public required string DeviceId { get; init; }

    /// <summary>notAfter of the certificate (may lie in the past: an expired identity to rehearse renewal).</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>Wi-Fi network written to NVS, or null.</summary>
    public string? WifiSsid { get; init; }

    /// <summary>Wi-Fi password written to NVS (via the bundle's wifi-password file), or null.</summary>
    public string? WifiPassword { get; init; }
}
