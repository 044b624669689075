using System.Security.Cryptography;
using IotDevice.Core.Renewal;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Renewal;

/// <summary>What the renewal-authority tests share: the device's current key from its bundle and a parsed answer.</summary>
internal static class RenewalTestKit
{
    /// <summary>The device's current private key (from its provisioning bundle), as the device holds it.</summary>
    public static ECDsa CurrentKey(FleetDirectory fleet, string id)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(DeviceBundle.Open(fleet, id).ReadPrivateKeyPem());
        return key;
    }

    /// <summary>The service's answer, which must exist.</summary>
    public static RenewalResponse Answer(byte[]? bytes)
    {
        Assert.NotNull(bytes);
        return RenewalResponse.Parse(bytes);
    }
}
