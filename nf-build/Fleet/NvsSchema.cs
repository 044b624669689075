using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace NfBuild.Fleet;

/// <summary>
/// The device's NVS keys as the provisioning side spells them: the firmware core's own definitions
/// (<see cref="DeviceStoreKeys"/>, <see cref="IdentityStore.SlotKey"/>, <see cref="UtcTime"/>), so the
/// tool and the firmware cannot disagree on a key or a time format.
/// </summary>
public static class NvsSchema
{
    public const string Namespace = DeviceStoreKeys.Namespace;

    /// <summary>Leaf certificate PEM of identity slot 0 or 1.</summary>
    public static string Certificate(int slot) => IdentityStore.SlotKey(slot, DeviceStoreKeys.CertificateSuffix);

    /// <summary>Issuing CA PEM of slot 0 or 1.</summary>
    public static string Chain(int slot) => IdentityStore.SlotKey(slot, DeviceStoreKeys.ChainSuffix);

    /// <summary>SEC1 private key PEM of slot 0 or 1.</summary>
    public static string Key(int slot) => IdentityStore.SlotKey(slot, DeviceStoreKeys.KeySuffix);

    /// <summary>Fallback password of slot 0 or 1.</summary>
    public static string FallbackPassword(int slot) => IdentityStore.SlotKey(slot, DeviceStoreKeys.FallbackPasswordSuffix);

    /// <summary>UTC time in the time_floor form.</summary>
    public static string FormatTime(DateTimeOffset t) => UtcTime.Format(t.UtcDateTime);
}
