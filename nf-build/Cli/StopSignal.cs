using System.Runtime.InteropServices;

namespace NfBuild.Cli;

/// <summary>
/// The stop request of a command that runs until stopped: Ctrl-C (SIGINT) and SIGTERM (kill, systemd, a container
/// stop) both cancel <see cref="Token"/> instead of ending the process, so the command still stops what it started
/// (broker nodes, Apache, the device) and nothing is left running. Dispose to restore the default handling.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly ConsoleCancelEventHandler _onCancel;
    private readonly PosixSignalRegistration? _sigterm;

    private StopSignal(CancellationToken linked)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _onCancel = (_, e) => { e.Cancel = true; Cancel(); };
        Console.CancelKeyPress += _onCancel;
        if (!OperatingSystem.IsWindows())
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Cancel(); });
    }

    /// <summary>Starts listening; <paramref name="linked"/> (the invocation's token) cancels it too.</summary>
    public static StopSignal Listen(CancellationToken linked = default) => new(linked);

    public CancellationToken Token => _stop.Token;

    private void Cancel()
    {
        try { _stop.Cancel(); } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        _sigterm?.Dispose();
        _stop.Dispose();
    }
}
