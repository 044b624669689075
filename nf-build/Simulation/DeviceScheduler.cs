using System.Diagnostics;

namespace NfBuild.Simulation;

/// <summary>
/// The shared main loop of a simulation: a few worker threads (not one per device) take the device whose next pass is
/// due, run one <see cref="SimulatedDevice.Step"/> and put it back with its next due time. A step can block (TLS handshake,
/// PUBACK wait: the firmware's MQTT calls are synchronous, as on the board), so the number of workers bounds how many
/// devices connect at the same moment. A device is never stepped by two workers at once.
/// </summary>
public sealed class DeviceScheduler : IDisposable
{
    private readonly PriorityQueue<SimulatedDevice, long> _due = new();
    private readonly object _gate = new();
    private readonly List<Thread> _workers = [];
    private readonly long _tickTicks;
    private volatile bool _stopping;
    private long _steps;

    /// <param name="tickMs">Idle interval between two passes of one device's loop.</param>
    public DeviceScheduler(IEnumerable<SimulatedDevice> devices, int workers, int tickMs)
    {
        _tickTicks = Stopwatch.Frequency * tickMs / 1000;
        long now = Stopwatch.GetTimestamp();
        foreach (var d in devices)
            _due.Enqueue(d, now);
        for (int i = 0; i < workers; i++)
            _workers.Add(new Thread(Work) { IsBackground = true, Name = "sim-worker-" + i });
    }

    public int Workers => _workers.Count;

    /// <summary>Device loop passes run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    public void Start()
    {
        foreach (var t in _workers)
            t.Start();
    }

    private void Work()
    {
        while (true)
        {
            SimulatedDevice device;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopping)
                        return;
                    if (_due.TryPeek(out var next, out long at))
                    {
                        long wait = at - Stopwatch.GetTimestamp();
                        if (wait <= 0)
                        {
                            device = _due.Dequeue();
                            break;
                        }
                        Monitor.Wait(_gate, TimeSpan.FromTicks(Math.Max(1, wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                    }
                    else
                        Monitor.Wait(_gate, 50);
                }
            }
            int delay = device.Step();
            Interlocked.Increment(ref _steps);
            if (delay == -1)
                continue; // stopped or crashed: out of the loop
            long due = Stopwatch.GetTimestamp() + (delay == -2 ? _tickTicks : Stopwatch.Frequency * delay / 1000);
            lock (_gate)
            {
                _due.Enqueue(device, due);
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Stops the workers after their current step (devices keep their state; shut them down separately).</summary>
    public void Stop()
    {
        _stopping = true;
        lock (_gate)
            Monitor.PulseAll(_gate);
        foreach (var t in _workers)
            if (t.IsAlive)
                t.Join();
    }

    public void Dispose() => Stop();
}
