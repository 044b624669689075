namespace NfBuild.Fleet;

/// <summary>Outcome of <see cref="DeviceProvisioning.AddDevice"/>: public facts only, no secret.</summary>
public sealed record AddDeviceResult(DeviceRecord Record, string BundleDirectory);
