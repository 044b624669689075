using NfBuild.Fleet;
namespace NfBuild.Backend.Apache;

/// <summary>
/// The firmware server's files under <c>&lt;fleet&gt;/backend/apache/</c>: its config, the document root that
/// `release publish` fills (<c>htdocs/releases/&lt;version&gt;/</c>), and the state of a running
/// server (pid, logs, mutexes, TLS session cache), which never touch /etc/apache2 or /var.
/// </summary>
public sealed class ApacheLayout(FleetDirectory fleet)
{
    public FleetDirectory Fleet { get; } = fleet;
    public string Root => Path.Combine(Fleet.Root, "backend", "apache");
    public string ConfigFile => Path.Combine(Root, "httpd.conf");
    public string DocumentRoot => Path.Combine(Root, "htdocs");
    public string StateDir => Path.Combine(Root, "state");
    public string RunDir => Path.Combine(StateDir, "run");
    public string LogDir => Path.Combine(StateDir, "log");
    public string MutexDir => Path.Combine(StateDir, "mutex");
    public string PidFile => Path.Combine(RunDir, "apache2.pid");
    public string ErrorLog => Path.Combine(LogDir, "error.log");
    public string AccessLog => Path.Combine(LogDir, "access.log");
    public string SessionCache => Path.Combine(RunDir, "ssl_scache");
}
