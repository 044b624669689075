using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Renewal;
using NfBuild.VirtualDevice;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>A line of the device's log with the moment it was written (<see cref="Stopwatch.GetTimestamp"/>).</summary>
public sealed record DeviceLogLine(long Timestamp, string Text);

/// <summary>
/// A virtual Lolin32 provisioned from the fleet's bundle with <see cref="VirtualProvisioner"/> (flash and NVS
/// encryption on), booted by <see cref="VirtualDeviceRunner"/> and running the core's DeviceApplication in its main
/// loop on a background thread, as `device run` does. Every log line is kept with its timestamp.
/// </summary>
public sealed partial class RunningDevice : IDisposable
{
    private readonly ConcurrentQueue<DeviceLogLine> _log = new();
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private Exception? _crash;

    private RunningDevice(string id, string directory)
    {
        Id = id;
        Directory = directory;
        Runner = VirtualDeviceRunner.Load(directory, line => _log.Enqueue(new DeviceLogLine(Stopwatch.GetTimestamp(), line)));
    }

    public string Id { get; }
    public string Directory { get; }
    public VirtualDeviceRunner Runner { get; }
    public DeviceApplication App => Runner.Application ?? throw new InvalidOperationException("not booted");
    public ConnectionManager Connection => App.Connection;
    public IReadOnlyList<DeviceLogLine> Log => _log.ToList();

    /// <summary>
    /// Short core delays for the tests (the runner's option; `device run` keeps the firmware defaults): backoff
    /// 200 ms .. 2 s instead of 1 s .. 5 min, so an outage of a few seconds is not followed by a minute of waiting.
    /// The renewal path itself has no configured wait (every step moves on at once).
    /// </summary>
    public static ConnectionSettings FastSettings() => new() { InitialBackoffMs = 200, MaxBackoffMs = 2000 };

    /// <summary>Provisions <paramref name="id"/> from its bundle into a new folder under the fleet and boots it (not yet running).</summary>
    public static RunningDevice Provision(EndToEndFixture fx, string id, ConnectionSettings? settings = null) => Provision(fx.Fleet.Root, id, settings);

    /// <summary>The same for a device of any fleet (its virtual chip in a folder under the fleet).</summary>
    public static RunningDevice Provision(string fleetRoot, string id, ConnectionSettings? settings = null)
    {
        string dir = Path.Combine(fleetRoot, "virtual", id + "-" + Guid.NewGuid().ToString("N")[..6]);
        var result = VirtualProvisioner.Provision(fleetRoot, id, dir, new ProvisionOptions { Encrypt = true });
        if (!result.Encrypted)
            throw new InvalidOperationException("provisioned without encryption");
        var device = new RunningDevice(id, dir);
        device.Runner.ConnectionSettings = settings ?? FastSettings();
        device.Runner.RenewalPolicyFactory = () => new RenewalPolicy();
        device.Runner.RenewalTimeoutMs = 15_000;
        device.Runner.Boot();
        return device;
    }

    /// <summary>Starts the device's main loop on a background thread.</summary>
    public void Start()
    {
        _thread = new Thread(() =>
        {
            try
            {
                Runner.Run(_stop.Token);
            }
            catch (Exception ex)
            {
                _crash = ex;
                _log.Enqueue(new DeviceLogLine(Stopwatch.GetTimestamp(), "CRASH: " + ex));
            }
        })
        { IsBackground = true, Name = "device " + Id };
        _thread.Start();
    }

    /// <summary>Orderly stop (offline status, DISCONNECT), waits for the main loop to end.</summary>
    public void Stop()
    {
        _stop.Cancel();
        if (_thread is not null && !_thread.Join(TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"device {Id} did not stop");
        _thread = null;
        if (_crash is not null)
            throw new InvalidOperationException($"device {Id} main loop crashed", _crash);
    }

    public async Task<bool> WaitUntilAsync(Func<RunningDevice, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_crash is not null)
                return false;
            if (condition(this))
                return true;
            await Task.Delay(10);
        }
        return condition(this);
    }

    /// <summary>The first log line containing <paramref name="text"/>, or null.</summary>
    public DeviceLogLine? FirstLine(string text, long after = 0) => _log.FirstOrDefault(l => l.Timestamp >= after && l.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>Sum of every "(next attempt in N ms)" the connection manager logged between two moments: the configured backoff.</summary>
    public long LoggedBackoffMs(long from, long to) => _log
        .Where(l => l.Timestamp >= from && l.Timestamp <= to)
        .Select(l => NextAttempt().Match(l.Text))
        .Where(m => m.Success)
        .Sum(m => long.Parse(m.Groups[1].Value));

    [GeneratedRegex(@"\(next attempt in (\d+) ms\)")]
    private static partial Regex NextAttempt();

    public void Dump(ITestOutputHelper output, long since = 0)
    {
        long origin = _log.FirstOrDefault()?.Timestamp ?? 0;
        foreach (var line in _log.Where(l => l.Timestamp >= since))
            output.WriteLine($"[{Id} +{Stopwatch.GetElapsedTime(origin, line.Timestamp).TotalSeconds:F3}] {line.Text}");
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
