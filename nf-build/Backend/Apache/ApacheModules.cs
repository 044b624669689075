namespace NfBuild.Backend.Apache;

/// <summary>
/// The shared modules the firmware server loads from Debian's apache2 (2.4, /usr/lib/apache2/modules). Nothing else
/// is loaded: no autoindex, CGI, proxy, DAV or status handler is there to be misused (Debian's binary has core,
/// http_core, mod_so, mod_watchdog, mod_log_config, mod_logio, mod_version and mod_unixd compiled in).
/// </summary>
public static class ApacheModules
{
    public const string DefaultModuleDir = "/usr/lib/apache2/modules";

    /// <summary>(module name, file): event MPM, Require, MIME types, TLS, TLS session cache.</summary>
    public static readonly IReadOnlyList<(string Name, string File)> Required =
    [
        ("mpm_event_module", "mod_mpm_event.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("mime_module", "mod_mime.so"),
        ("socache_shmcb_module", "mod_socache_shmcb.so"),
        ("ssl_module", "mod_ssl.so"),
    ];
}
