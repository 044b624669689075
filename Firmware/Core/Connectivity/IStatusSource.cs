namespace IotDevice.Core.Connectivity
{
    /// <summary>Builds the retained status payload (README "Device protocols") from what the device runs right now.</summary>
    public interface IStatusSource
    {
        /// <param name="online">true for the status published after connecting, false for the last will.</param>
        byte[] BuildStatus(bool online);

        /// <summary>The retained "online" status was acknowledged (PUBACK) by the broker; <paramref name="onPrimary"/> when that is the primary.</summary>
        void StatusPublished(bool onPrimary);
    }
}
