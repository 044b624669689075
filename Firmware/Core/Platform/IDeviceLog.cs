namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Where the core reports what it decided, one line per event (state changes, rejections, outcomes).
    /// Device: serial console; host: the virtual device's log. Lines never contain secrets (no key, no
    /// password, no full certificate): a field log is read by people who are not trusted with them.
    /// </summary>
    public interface IDeviceLog
    {
        void Info(string line);
    }
}
