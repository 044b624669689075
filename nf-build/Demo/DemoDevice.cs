using System.Collections.Concurrent;
using System.Diagnostics;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Renewal;
using NfBuild.VirtualDevice;

namespace NfBuild.Demo;

/// <summary>
/// The demo's virtual Lolin32: a chip provisioned by <see cref="VirtualProvisioner"/>, booted by
/// <see cref="VirtualDeviceRunner"/> and running the firmware core's DeviceApplication in its main loop on a background
/// thread (as `device run` does). Every line the firmware logs is kept for the console, in order.
/// </summary>
public sealed class DemoDevice : IDisposable
{
    private readonly ConcurrentQueue<string> _unread = new();
    private CancellationTokenSource _stop = new();
    private Thread? _thread;
    private Exception? _crash;

    public DemoDevice(string id, string directory)
    {
        Id = id;
        Directory = directory;
        Runner = VirtualDeviceRunner.Load(directory, line => _unread.Enqueue(line));
        // Short reconnect delays (the runner's option; the firmware's defaults are 1 s .. 5 min): a demo should not wait
        // for a backoff. The decisions are the firmware's own.
        Runner.ConnectionSettings = new ConnectionSettings { InitialBackoffMs = 200, MaxBackoffMs = 2000 };
        Runner.RenewalPolicyFactory = () => new RenewalPolicy();
        Runner.RenewalTimeoutMs = 15_000;
        Runner.TelemetryInterval = TimeSpan.FromMilliseconds(500);
    }

    public string Id { get; }
    public string Directory { get; }
    public VirtualDeviceRunner Runner { get; }
    public DeviceApplication App => Runner.Application ?? throw new InvalidOperationException("the device is not booted");
    public bool Running => _thread is not null;

    /// <summary>Log lines written since the last call.</summary>
    public IReadOnlyList<string> TakeLines()
    {
        var lines = new List<string>();
        while (_unread.TryDequeue(out var line))
            lines.Add(line);
        return lines;
    }

    /// <summary>Power on and run the main loop on a background thread.</summary>
    public void Start()
    {
        Runner.Boot();
        _stop = new CancellationTokenSource();
        _thread = new Thread(() =>
        {
            try
            {
                Runner.Run(_stop.Token);
            }
            catch (Exception ex)
            {
                _crash = ex;
                _unread.Enqueue("CRASH: " + ex.Message);
            }
        })
        { IsBackground = true, Name = "device " + Id };
        _thread.Start();
    }

    /// <summary>Orderly stop (offline status, DISCONNECT); the chip keeps its flash.</summary>
    public void Stop()
    {
        _stop.Cancel();
        if (_thread is not null && !_thread.Join(TimeSpan.FromSeconds(30)))
            throw new DemoStepException($"device {Id} did not stop");
        _thread = null;
        if (_crash is { } crash)
            throw new DemoStepException($"device {Id} main loop crashed: {crash.Message}");
    }

    /// <summary>Waits for <paramref name="condition"/>, calling <paramref name="poll"/> about every 50 ms (console output).</summary>
    public async Task<bool> WaitUntilAsync(Func<DemoDevice, bool> condition, TimeSpan timeout, Action poll, Func<DemoDevice, string?>? failure = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            cancel.ThrowIfCancellationRequested();
            poll();
            if (_crash is not null)
                throw new DemoStepException($"device {Id} main loop crashed: {_crash.Message}");
            if (Runner.Application is not null && condition(this))
                return true;
            if (Runner.Application is not null && failure?.Invoke(this) is { } why)
                throw new DemoStepException(why);
            await Task.Delay(50, cancel);
        }
        poll();
        return Runner.Application is not null && condition(this);
    }

    public void Dispose()
    {
        if (_thread is not null)
        {
            _stop.Cancel();
            _thread.Join(TimeSpan.FromSeconds(30));
        }
        Runner.Dispose();
        _stop.Dispose();
    }
}
