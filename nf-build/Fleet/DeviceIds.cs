using IotDevice.Core.Messaging;

namespace NfBuild.Fleet;

/// <summary>Device ids as the firmware accepts them (one rule for tooling and device).</summary>
public static class DeviceIds
{
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
    }
}
