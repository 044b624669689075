using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace NfBuild.Backend;

/// <summary>Where a node's configuration and state live and which Erlang ports it uses.</summary>
public sealed record RabbitMqNodeOptions
{
    /// <summary>Erlang node name, e.g. iotdev-primary-1a2b@localhost. Unique per machine.</summary>
    public required string NodeName { get; init; }
    /// <summary>Folder with rabbitmq.conf, advanced.config, enabled_plugins (from <see cref="RabbitMqConfigWriter"/>).</summary>
    public required string ConfigDir { get; init; }
    /// <summary>Data, logs, Erlang cookie (HOME) of this node.</summary>
    public required string StateDir { get; init; }
    public required int EpmdPort { get; init; }
    public required int DistPort { get; init; }
    /// <summary>A primary cluster's shared Erlang cookie (owner-only file; all nodes of a cluster need the same one), or
    /// null for a node with its own random cookie.</summary>
    public string? ClusterCookieFile { get; init; }
    /// <summary>Debian's rabbitmq scripts (not the /usr/sbin wrappers, which switch to the rabbitmq user and the system paths).</summary>
    public string BinDir { get; init; } = RabbitMqNode.DefaultBinDir;
}

public sealed record CtlResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public string Describe() => $"exit code {ExitCode}: {(Error.Trim().Length > 0 ? Error.Trim() : Output.Trim())}";
}

/// <summary>
/// One RabbitMQ node run from the Debian binaries in the foreground with its own environment: own node name, epmd
/// and distribution ports on loopback, own config, data, log dirs and Erlang cookie. The system service is never used.
/// Dispose kills the node if it was not stopped cleanly.
/// </summary>
public sealed class RabbitMqNode : IDisposable
{
    public const string DefaultBinDir = "/usr/lib/rabbitmq/bin";
    public const string NotInstalledMessage = "rabbitmq-server is not installed (Debian/Ubuntu: apt-get install rabbitmq-server; expected " + DefaultBinDir + "/rabbitmq-server)";

    private readonly Process _process;
    private readonly StringBuilder _console = new();
    private bool _stopped;

    private RabbitMqNode(RabbitMqNodeOptions options, Process process)
    {
        Options = options;
        _process = process;
    }

    public RabbitMqNodeOptions Options { get; }
    public string NodeName => Options.NodeName;
    public bool HasExited => _process.HasExited;
    public string LogFile => Path.Combine(Options.StateDir, "log", Options.NodeName + ".log");

    public static bool IsInstalled(string binDir = DefaultBinDir) =>
        File.Exists(Path.Combine(binDir, "rabbitmq-server")) && File.Exists(Path.Combine(binDir, "rabbitmqctl"));

    /// <summary>Starts the node process (returns at once; <see cref="WaitUntilReadyAsync"/> waits for the broker).</summary>
    public static RabbitMqNode Start(RabbitMqNodeOptions options)
    {
        if (!IsInstalled(options.BinDir))
            throw new BackendException(NotInstalledMessage);
        foreach (var file in new[] { RabbitMqNodeConfig.ConfFile, RabbitMqNodeConfig.AdvancedFile, RabbitMqNodeConfig.PluginsFile })
        {
            if (!File.Exists(Path.Combine(options.ConfigDir, file)))
                throw new BackendException($"{Path.Combine(options.ConfigDir, file)} does not exist (run `nf-build backend rabbitmq write` first)");
        }
        PrepareState(options);
        var psi = new ProcessStartInfo(Path.Combine(options.BinDir, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.StateDir,
        };
        ApplyEnvironment(psi, options, server: true);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var node = new RabbitMqNode(options, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        if (!process.Start())
            throw new BackendException($"could not start {psi.FileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_console)
        {
            if (_console.Length > 64_000)
                _console.Remove(0, 32_000);
            _console.AppendLine(line);
        }
    }

    private static readonly object CookieGate = new();

    private static string NewCookie() => new(RandomNumberGenerator.GetItems<char>("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32));

    private static void PrepareState(RabbitMqNodeOptions o)
    {
        foreach (var sub in new[] { "home", "mnesia", "log" })
            Directory.CreateDirectory(Path.Combine(o.StateDir, sub));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(o.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Threat: whoever holds the Erlang cookie can run any code on the node (distribution is full RPC). Own
        // random cookie per state dir, owner-only; distribution and epmd listen on loopback only (ApplyEnvironment).
        string cookie = Path.Combine(o.StateDir, "home", ".erlang.cookie");
        if (o.ClusterCookieFile is { } shared)
        {
            // One cookie for the cluster's nodes (they run code on each other: that is what a cluster is), still
            // random, owner-only, and not the fallback node's.
            lock (CookieGate)
            {
                if (!File.Exists(shared))
                    NfBuild.Fleet.SecureFiles.WriteSecret(shared, NewCookie());
            }
            string wanted = File.ReadAllText(shared);
            if (!File.Exists(cookie) || File.ReadAllText(cookie) != wanted)
            {
                if (File.Exists(cookie) && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(cookie, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(cookie, wanted);
            }
        }
        else if (!File.Exists(cookie))
        {
            File.WriteAllText(cookie, NewCookie());
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        // An empty env file so /etc/rabbitmq/rabbitmq-env.conf (the system service's) is never sourced.
        File.WriteAllText(Path.Combine(o.StateDir, "rabbitmq-env.conf"), "");
    }

    private static void ApplyEnvironment(ProcessStartInfo psi, RabbitMqNodeOptions o, bool server)
    {
        var env = psi.Environment;
        foreach (var key in env.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal) || k.StartsWith("ERL_", StringComparison.Ordinal)).ToList())
            env.Remove(key);
        env["HOME"] = Path.Combine(o.StateDir, "home");
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(o.StateDir, "rabbitmq-env.conf");
        env["RABBITMQ_NODENAME"] = o.NodeName;
        env["RABBITMQ_USE_LONGNAME"] = "false";
        env["ERL_EPMD_PORT"] = o.EpmdPort.ToString();
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        // Loopback-only Erlang distribution for the CLI tools too, any free port.
        env["RABBITMQ_CTL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        env["RABBITMQ_CTL_DIST_PORT_MIN"] = "0";
        env["RABBITMQ_CTL_DIST_PORT_MAX"] = "0";
        // The CLI finds plugin commands (list_mqtt_connections, ...) through the enabled-plugins file: the node's own,
        // never the system's /etc/rabbitmq/enabled_plugins.
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(o.ConfigDir, RabbitMqNodeConfig.PluginsFile);
        if (!server)
            return;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_DIST_PORT"] = o.DistPort.ToString();
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        env["RABBITMQ_CONFIG_FILE"] = Path.Combine(o.ConfigDir, RabbitMqNodeConfig.ConfFile);
        env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(o.ConfigDir, RabbitMqNodeConfig.AdvancedFile);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(o.StateDir, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(o.StateDir, "log");
        env["RABBITMQ_PLUGINS_EXPAND_DIR"] = Path.Combine(o.StateDir, "plugins-expand");
        env["RABBITMQ_PID_FILE"] = Path.Combine(o.StateDir, o.NodeName + ".pid");
        env["RABBITMQ_MOTD_FILE"] = Path.Combine(o.StateDir, "motd");
    }

    /// <summary>Waits until the broker has booted (definitions imported, listeners up); fails with the log's tail if the node dies.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancel = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        CtlResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            cancel.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new BackendException($"RabbitMQ node {NodeName} exited with code {_process.ExitCode} while starting: {Diagnostics()}");
            last = await CtlAsync(["await_startup", "--timeout", "10"], TimeSpan.FromSeconds(20), cancel).ConfigureAwait(false);
            if (last.Ok)
                return;
            await Task.Delay(500, cancel).ConfigureAwait(false);
        }
        throw new BackendException($"RabbitMQ node {NodeName} did not start within {timeout.TotalSeconds:0} s ({last?.Describe()}): {Diagnostics()}");
    }

    /// <summary>The node's console output and the tail of its log, for error messages.</summary>
    public string Diagnostics()
    {
        string console;
        lock (_console)
            console = _console.ToString();
        string log = "";
        try
        {
            if (File.Exists(LogFile))
            {
                var lines = File.ReadAllLines(LogFile);
                log = string.Join('\n', lines.Where(l => l.Contains("[error]") || l.Contains("[warning]")).TakeLast(15));
            }
        }
        catch (IOException)
        {
        }
        var text = (console.Trim() + "\n" + log).Trim();
        return text.Length > 4000 ? text[^4000..] : text;
    }

    /// <summary>Runs rabbitmqctl against this node with the node's environment (cookie, epmd port).</summary>
    public Task<CtlResult> CtlAsync(params string[] args) => CtlAsync(args, TimeSpan.FromSeconds(60));

    public Task<CtlResult> CtlAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancel = default) =>
        CtlAsync(Options, args, timeout, cancel);

    /// <summary>Runs rabbitmqctl against the node <paramref name="options"/> describe, whether this process started it or
    /// not (`fleet revoke --broker` administers the nodes `backend rabbitmq start` runs).</summary>
    public static async Task<CtlResult> CtlAsync(RabbitMqNodeOptions options, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancel = default)
    {
        if (!IsInstalled(options.BinDir))
            throw new BackendException(NotInstalledMessage);
        var psi = new ProcessStartInfo(Path.Combine(options.BinDir, "rabbitmqctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.StateDir,
        };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(options.NodeName);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        ApplyEnvironment(psi, options, server: false);
        using var p = Process.Start(psi) ?? throw new BackendException("could not start rabbitmqctl");
        var stdout = p.StandardOutput.ReadToEndAsync(cancel);
        var stderr = p.StandardError.ReadToEndAsync(cancel);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            if (cancel.IsCancellationRequested)
                throw;
            return new CtlResult(-1, "", $"rabbitmqctl {string.Join(' ', args)} timed out after {timeout.TotalSeconds:0} s");
        }
        return new CtlResult(p.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs rabbitmqctl and throws with its message when it fails.</summary>
    public async Task<string> CtlOrThrowAsync(params string[] args)
    {
        var r = await CtlAsync(args).ConfigureAwait(false);
        if (!r.Ok)
            throw new BackendException($"rabbitmqctl {args[0]} on {NodeName} failed, {r.Describe()}");
        return r.Output;
    }

    /// <summary>Stops the node cleanly (rabbitmqctl shutdown: waits for the process to exit); kills it if that fails.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_stopped)
            return;
        _stopped = true;
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!_process.HasExited)
        {
            await CtlAsync(["shutdown"], limit).ConfigureAwait(false);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }
        StopEpmdIfUnused();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>The first node started epmd on the fleet's epmd port; `epmd -kill` ends it only once no node is registered.</summary>
    private void StopEpmdIfUnused()
    {
        try
        {
            var psi = new ProcessStartInfo("epmd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-port");
            psi.ArgumentList.Add(Options.EpmdPort.ToString());
            psi.ArgumentList.Add("-kill");
            using var p = Process.Start(psi);
            p?.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // epmd not on PATH: it stays until the machine stops; harmless (loopback only).
        }
    }

    public void Dispose()
    {
        if (!_stopped)
        {
            _stopped = true;
            Kill();
            StopEpmdIfUnused();
        }
        _process.Dispose();
    }
}
