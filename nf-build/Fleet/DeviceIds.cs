using IotDevice.Core.Messaging;

namespace NfBuild.Fleet;

/// <summary>Device ids as the firmware accepts them (one rule for tooling and device).</summary>
public static class DeviceIds
{
    /// <summary>The renewal service's certificate CN and broker user name: never a device id.</summary>
    public const string RenewalService = "renewal-service";

    /// <summary>The operator's certificate CN and broker user name (`release rollout`): never a device id.</summary>
    public const string Operator = "operator";

    /// <summary>True when <paramref name="deviceId"/> passes <see cref="Validate"/>.</summary>
    public static bool IsValid(string deviceId)
    {
        try
        {
            Validate(deviceId);
            return true;
        }
        catch (FleetException)
        {
            return false;
        }
    }

    /// <summary>
    /// Throws <see cref="FleetException"/> with the firmware's own message when <paramref name="deviceId"/>
    /// is not a valid id. Threat: the id becomes a certificate CN, a broker user name, a topic segment and
    /// a directory name; '/', '.', '+', '#' or ".." would let one device's identity reach another's
    /// topics or files, so the tooling refuses what the device would refuse.
    /// </summary>
    public static void Validate(string deviceId)
    {
        try
        {
            DeviceTopics.ValidateDeviceId(deviceId);
        }
        catch (ArgumentException e)
        {
            throw new FleetException(e.Message, e);
        }
        // Threat: a device certificate with CN renewal-service would log in to both brokers as the renewal
        // service (read every device's requests, answer them); the firmware allows the name, the fleet does not.
        if (deviceId == RenewalService)
            throw new FleetException($"device id '{deviceId}' is reserved for the renewal service");
        // Threat: a device certificate with CN operator would log in to the primary as the operator and publish
        // commands to every device; the firmware allows the name, the fleet does not.
        if (deviceId == Operator)
            throw new FleetException($"device id '{deviceId}' is reserved for the operator");
    }
}
