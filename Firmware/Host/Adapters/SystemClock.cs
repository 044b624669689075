using IotDevice.Core.Platform;

namespace IotDevice.Host.Adapters;

/// <summary>
/// The host's clock, or a settable one for tests that need time to pass (certificate expiry, OTA
/// trial windows). A PC clock is assumed synchronised (NTP), unlike an ESP32 RTC after power-on.
/// </summary>
public sealed class SystemClock : IClock
{
    private TimeSpan _offset;

    public DateTime UtcNow => DateTime.UtcNow + _offset;

    public bool IsSynchronized { get; set; } = true;

    /// <summary>Moves this clock (only) forward or backward.</summary>
    public void Advance(TimeSpan by) => _offset += by;
}
