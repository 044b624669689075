namespace IotDevice.Host.Adapters;

/// <summary>
/// TLS sessions currently open through the host adapters that share this counter (MQTT and HTTPS), counted from the
/// connection that carries the handshake until it is closed. The ESP32 has RAM for one mbedTLS session at a time, so
/// tests assert that one device's firmware never holds two: the OTA machine closes MQTT before it downloads. Each
/// virtual device owns one counter for its MQTT session and its downloader (a process runs many devices and tests
/// in parallel, so a process-wide count would mix them); every counter also feeds <see cref="Process"/>.
/// </summary>
public sealed class TlsSessionCounter
{
    private readonly TlsSessionCounter? _parent;
    private int _open;
    private int _peak;

    /// <summary>A counter of its own (one device's sessions), also counted in <see cref="Process"/>.</summary>
    public TlsSessionCounter()
        : this(Process)
    {
    }

    private TlsSessionCounter(TlsSessionCounter? parent) => _parent = parent;

    /// <summary>Every session of every adapter in this process.</summary>
    public static TlsSessionCounter Process { get; } = new((TlsSessionCounter?)null);

    public int Open => Volatile.Read(ref _open);

    /// <summary>The highest <see cref="Open"/> seen since <see cref="ResetPeak"/>.</summary>
    public int Peak => Volatile.Read(ref _peak);

    public void ResetPeak() => Volatile.Write(ref _peak, Open);

    public void Opened()
    {
        int now = Interlocked.Increment(ref _open);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
        _parent?.Opened();
    }

    public void Closed()
    {
        Interlocked.Decrement(ref _open);
        _parent?.Closed();
    }
}
