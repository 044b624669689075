namespace IotDevice.Host.Adapters;

/// <summary>
/// TLS sessions currently open by the host adapters of this process (MQTT and HTTPS), counted from the
/// connection that carries the handshake until it is closed. The ESP32 has RAM for one mbedTLS session at a
/// time, so tests assert that the firmware never holds two: the OTA machine closes MQTT before it downloads.
/// </summary>
public static class TlsSessionCounter
{
    private static int s_open;
    private static int s_peak;

    public static int Open => Volatile.Read(ref s_open);

    /// <summary>The highest <see cref="Open"/> seen since <see cref="ResetPeak"/>.</summary>
    public static int Peak => Volatile.Read(ref s_peak);

    public static void ResetPeak() => Volatile.Write(ref s_peak, Open);

    public static void Opened()
    {
        int now = Interlocked.Increment(ref s_open);
        int peak;
        while (now > (peak = Volatile.Read(ref s_peak)) && Interlocked.CompareExchange(ref s_peak, now, peak) != peak)
        {
        }
    }

    public static void Closed() => Interlocked.Decrement(ref s_open);
}
