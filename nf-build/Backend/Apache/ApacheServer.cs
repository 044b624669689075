using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NfBuild.Backend.Apache;

/// <summary>
/// The firmware server: Debian's /usr/sbin/apache2 run in the foreground (-DFOREGROUND) on the config written by
/// <see cref="ApacheConfigWriter"/>, with its own ServerRoot, PidFile, logs and mutex folder under
/// <c>&lt;fleet&gt;/backend/apache/state/</c>. The system's Apache (service, /etc/apache2, /var/log/apache2) is never
/// used. Stop (or Dispose) sends SIGTERM and waits: Apache then stops its workers itself.
/// </summary>
public sealed class ApacheServer : IDisposable
{
    public const string DefaultBinary = "/usr/sbin/apache2";
    public const string NotInstalledMessage = "apache2 is not installed (Debian/Ubuntu: apt-get install apache2; expected " + DefaultBinary + ")";

    private readonly Process _process;
    private readonly StringBuilder _console = new();

    private ApacheServer(ApacheLayout layout, Process process, IPEndPoint endpoint)
    {
        Layout = layout;
        _process = process;
        Endpoint = endpoint;
    }

    public ApacheLayout Layout { get; }
    public IPEndPoint Endpoint { get; }
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    public static bool IsInstalled(string binary = DefaultBinary) =>
        File.Exists(binary) && ApacheModules.Required.All(m => File.Exists(Path.Combine(ApacheModules.DefaultModuleDir, m.File)));

    /// <summary>`apache2 -t` on the written config: null when the syntax is OK, otherwise Apache's message.</summary>
    public static string? CheckConfig(ApacheLayout layout, string binary = DefaultBinary)
    {
        RequireInstalled(binary);
        PrepareState(layout);
        var psi = StartInfo(layout, binary, "-t");
        using var p = Process.Start(psi) ?? throw new BackendException($"could not start {binary}");
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? null : output.Trim();
    }

    /// <summary>Starts the server and waits until it accepts TCP connections on its Listen address.</summary>
    public static async Task<ApacheServer> StartAsync(ApacheLayout layout, string binary = DefaultBinary, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        RequireInstalled(binary);
        if (!File.Exists(layout.ConfigFile))
            throw new BackendException($"{layout.ConfigFile} does not exist (run `nf-build backend apache write` first)");
        var endpoint = ApacheConfigWriter.ReadListen(layout.ConfigFile);
        PrepareState(layout);
        var psi = StartInfo(layout, binary, "-DFOREGROUND");
        var process = new Process { StartInfo = psi };
        var server = new ApacheServer(layout, process, endpoint);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
            throw new BackendException($"could not start {binary}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                string why = server.Diagnostics();
                server.Dispose();
                throw new BackendException($"apache2 exited with code {process.ExitCode} at startup: {why}");
            }
            if (await Accepts(endpoint, cancel))
                return server;
            if (DateTime.UtcNow > deadline || cancel.IsCancellationRequested)
            {
                string why = server.Diagnostics();
                server.Dispose();
                throw new BackendException($"apache2 did not listen on {endpoint} in time: {why}");
            }
            try { await Task.Delay(100, cancel); } catch (OperationCanceledException) { }
        }
    }

    private static void RequireInstalled(string binary)
    {
        if (!File.Exists(binary))
            throw new BackendException(binary == DefaultBinary ? NotInstalledMessage : $"{binary} does not exist");
        foreach (var (_, file) in ApacheModules.Required)
        {
            string path = Path.Combine(ApacheModules.DefaultModuleDir, file);
            if (!File.Exists(path))
                throw new BackendException($"Apache module {path} is missing ({NotInstalledMessage})");
        }
    }

    private static ProcessStartInfo StartInfo(ApacheLayout layout, string binary, string mode)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = layout.StateDir,
        };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(layout.ConfigFile);
        psi.ArgumentList.Add("-d");
        psi.ArgumentList.Add(layout.StateDir);
        psi.ArgumentList.Add(mode);
        // Debian's apache2ctl/envvars set these for the system instance; none of them may leak into ours.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("APACHE_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        return psi;
    }

    /// <summary>
    /// Creates the state folders. Started as root, Apache's workers run as www-data, which must be able to reach the
    /// document root: the folders above it get the search bit for others (o+x, no listing). Threat: that exposes only
    /// files whose names are known AND that are world-readable already (fleet.json); pki/, registry/ and the broker
    /// state keep their 0700, keys their 0600.
    /// </summary>
    private static void PrepareState(ApacheLayout layout)
    {
        foreach (var dir in new[] { layout.StateDir, layout.RunDir, layout.LogDir, layout.MutexDir, layout.DocumentRoot })
            Directory.CreateDirectory(dir);
        if (OperatingSystem.IsWindows())
            return;
        foreach (var dir in new[] { layout.StateDir, layout.RunDir, layout.LogDir, layout.MutexDir })
            File.SetUnixFileMode(dir, ApacheConfigWriter.Public);
        if (!Posix.IsRoot)
            return;
        // Above the fleet folder nothing is changed: a folder there that others cannot search is the operator's to open.
        for (string? above = Path.GetDirectoryName(layout.Fleet.Root); above is not null; above = Path.GetDirectoryName(above))
        {
            if (!File.GetUnixFileMode(above).HasFlag(UnixFileMode.OtherExecute))
                throw new BackendException($"started as root, Apache's workers run as an unprivileged user, which cannot reach {layout.DocumentRoot}: {above} is not searchable by others (chmod o+x {above}, or start the server as a normal user)");
        }
        string? dirPath = layout.DocumentRoot;
        string stop = Path.GetDirectoryName(layout.Fleet.Root) ?? "/";
        while (dirPath is not null && dirPath != stop)
        {
            var mode = File.GetUnixFileMode(dirPath);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
                File.SetUnixFileMode(dirPath, mode | UnixFileMode.OtherExecute);
            dirPath = Path.GetDirectoryName(dirPath);
        }
    }

    private static async Task<bool> Accepts(IPEndPoint endpoint, CancellationToken cancel)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            attempt.CancelAfter(500);
            await client.ConnectAsync(endpoint, attempt.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_console)
        {
            if (_console.Length > 32_000)
                _console.Remove(0, 16_000);
            _console.AppendLine(line);
        }
    }

    /// <summary>Console output and the error log's tail.</summary>
    public string Diagnostics()
    {
        string console;
        lock (_console)
            console = _console.ToString().Trim();
        string log = "";
        try
        {
            if (File.Exists(Layout.ErrorLog))
                log = string.Join('\n', File.ReadLines(Layout.ErrorLog).TakeLast(10));
        }
        catch (IOException) { }
        return string.Join(" | ", new[] { console, log }.Where(x => x.Length > 0)) is { Length: > 0 } all ? all : "(no output)";
    }

    /// <summary>SIGTERM, then wait for Apache to stop its workers; SIGKILL of the whole tree only if it hangs.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
            return;
        Posix.Terminate(_process.Id);
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                StopAsync().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
