using System.Diagnostics;
using System.Text;
using Esp32.Virtual;
using Esp32.Virtual.Firmware;
using IotDevice.Core.App;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;
using NfBuild.VirtualDevice;

namespace NfBuild.Simulation;

/// <summary>
/// One virtual Lolin32 of a simulation: its chip (sparse flash, in memory), the firmware core on it
/// (<see cref="VirtualDeviceRunner"/>, the same object `device run` drives) and what the scenarios measure. It has no
/// thread: <see cref="Step"/> is one pass of the device's main loop, called by the <see cref="DeviceScheduler"/>. One
/// worker steps a device at a time.
/// </summary>
public sealed class SimulatedDevice : IDisposable
{
    private const int LogLines = 40;
    private readonly Queue<string> _log = new();
    private int _faultPermille;
    private int _sequence;

    public SimulatedDevice(string id, VirtualEsp32 chip, string fleetDirectory, Func<string, string, OtaSettings>? otaSettings)
    {
        Id = id;
        Runner = VirtualDeviceRunner.FromDevice(chip, Log, fleetDirectory);
        Runner.OtaSettingsFactory = otaSettings;
    }

    public string Id { get; }

    public VirtualDeviceRunner Runner { get; }

    public DeviceApplication? App => Runner.Application;

    /// <summary>Stopwatch timestamp of the first step (0 = not started).</summary>
    public long StartedAt { get; private set; }

    /// <summary>Stopwatch timestamp of the first time on the primary with the status acknowledged (0 = not yet).</summary>
    public long OnlineAt { get; private set; }

    /// <summary>Duration of the step that connected to the primary the first time: TLS handshake, CONNECT, two
    /// SUBSCRIBEs and the retained status' PUBACK (ms).</summary>
    public double ConnectMs { get; private set; }

    /// <summary>Primary connections so far (every reboot's included).</summary>
    public int PrimaryConnects => App?.Connection.PrimaryConnects ?? 0;

    /// <summary>Whether the booted app carries the fault lever and hits this device (recomputed at every boot).</summary>
    public bool FaultActive { get; private set; }

    /// <summary>Steps that threw something other than a reboot (a bug; the device is then stopped).</summary>
    public string? Crash { get; private set; }

    public bool Stopped { get; private set; }

    /// <summary>Telemetry messages to enqueue once online (connect scenario: proof of publishing).</summary>
    public int TelemetryToSend { get; set; }

    /// <summary>The last lines the device logged (for failure reports).</summary>
    public IReadOnlyList<string> RecentLog
    {
        get { lock (_log) return _log.ToList(); }
    }

    /// <summary>Power on (bootloader, NVS mount, the application object).</summary>
    public void Boot()
    {
        Runner.Boot();
        AfterBoot();
    }

    /// <summary>One pass of the main loop; returns how long to wait before the next pass (ms).</summary>
    public int Step()
    {
        if (Stopped)
            return -1;
        var app = App!;
        if (StartedAt == 0)
            StartedAt = Stopwatch.GetTimestamp();
        int connectsBefore = app.Connection.PrimaryConnects;
        long before = Stopwatch.GetTimestamp();
        try
        {
            app.Tick();
        }
        catch (DeviceRebootException)
        {
            Runner.Restart();
            AfterBoot();
            return 0;
        }
        catch (VirtualRebootException rebooted)
        {
            Runner.Restart(rebooted);
            AfterBoot();
            return 0;
        }
        catch (Exception ex)
        {
            Crash = ex.GetType().Name + ": " + ex.Message;
            Log("CRASH " + Crash);
            Stopped = true;
            return -1;
        }
        if (OnlineAt == 0 && connectsBefore == 0 && app.Connection.PrimaryConnects > 0 && app.Connection.IsOnPrimary)
        {
            long now = Stopwatch.GetTimestamp();
            ConnectMs = Stopwatch.GetElapsedTime(before, now).TotalMilliseconds;
            OnlineAt = now;
        }
        if (TelemetryToSend > 0 && app.Connection.IsOnPrimary)
        {
            TelemetryToSend--;
            app.EnqueueTelemetry(Encoding.UTF8.GetBytes($"{{\"seq\":{++_sequence}}}"));
        }
        // While the updater streams, the loop does not yield (the board's download is paced by network and flash).
        return app.Updater?.Phase is OtaPhase.Checking or OtaPhase.Rehashing or OtaPhase.Downloading or OtaPhase.Verifying ? 0 : -2;
    }

    /// <summary>Orderly stop: offline status, DISCONNECT (as `device run` on Ctrl-C).</summary>
    public void Shutdown()
    {
        if (Stopped)
            return;
        Stopped = true;
        try
        {
            App?.Shutdown();
        }
        catch (Exception ex)
        {
            Log("shutdown: " + ex.Message);
        }
    }

    /// <summary>The lever is read from the booted bytes at every boot: the app that runs decides whether the network comes up.</summary>
    private void AfterBoot()
    {
        var slot = Runner.Identity!.Slot;
        _faultPermille = FaultLever.BootedPermille(Runner.Device, slot);
        FaultActive = _faultPermille > 0 && FaultLever.Hits(Id, _faultPermille);
        if (FaultActive)
        {
            App!.NetworkUp = false;
            Log($"simulation: the app in ota_{slot} carries the fault lever ({_faultPermille} permille) and hits this device: its network never comes up");
        }
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > LogLines)
                _log.Dequeue();
        }
    }

    public void Dispose() => Runner.Dispose();
}
