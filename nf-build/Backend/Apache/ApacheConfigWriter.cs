using NfBuild.Fleet;
using System.Globalization;
using System.Net;
using System.Text;

namespace NfBuild.Backend.Apache;

/// <summary>
/// `backend apache write`: one self-contained httpd.conf for Debian's /usr/sbin/apache2 (2.4), serving the
/// fleet's document root over HTTPS with the fleet's server certificate. Static files only: byte ranges
/// (core behaviour), ETags (size + mtime) and If-Range are what a device needs to resume a download.
/// </summary>
public static class ApacheConfigWriter
{
    public sealed record Result(string ConfigFile, string DocumentRoot, string Url, bool RequireClientCertificate);

    public static Result Write(FleetDirectory fleet, ApacheWriteOptions? options = null)
    {
        var o = options ?? new ApacheWriteOptions();
        if (!IPAddress.TryParse(o.BindAddress, out var bind))
            throw new BackendException($"bind address '{o.BindAddress}' is not an IP address");
        if (o.Port is < 1 or > 65535)
            throw new BackendException($"port {o.Port} is not 1..65535");
        foreach (var (path, what) in new[] { (fleet.ServerCertificate, "server certificate chain"), (fleet.ServerKey, "server key") })
        {
            if (!File.Exists(path))
                throw new BackendException($"{what} {path} does not exist (create the fleet with `nf-build fleet init` first)");
        }
        if (o.RequireClientCertificate && !File.Exists(fleet.CaBundle))
            throw new BackendException($"CA bundle {fleet.CaBundle} does not exist (needed by --require-client-cert)");
        foreach (var s in new[] { o.ServerName, o.RunUser, o.RunGroup })
        {
            if (s.Length == 0 || s.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
                throw new BackendException($"'{s}' is not a plain host or user name");
        }
        var layout = new ApacheLayout(fleet);
        Directory.CreateDirectory(layout.Root);
        // The document root is public (releases are signed, not secret): 0755 so the worker user can read it.
        Directory.CreateDirectory(layout.DocumentRoot);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(layout.Root, Public);
            File.SetUnixFileMode(layout.DocumentRoot, Public);
        }
        SecureFiles.WritePublic(layout.ConfigFile, Render(layout, o));
        string host = bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : o.ServerName;
        return new Result(layout.ConfigFile, layout.DocumentRoot, $"https://{host}:{o.Port}/", o.RequireClientCertificate);
    }

    internal const UnixFileMode Public = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static string Q(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>The configuration text (no variables: nothing from Debian's envvars or /etc/apache2 is read).</summary>
    public static string Render(ApacheLayout l, ApacheWriteOptions o, string moduleDir = ApacheModules.DefaultModuleDir)
    {
        var f = l.Fleet;
        string listen = IPAddress.Parse(o.BindAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{o.BindAddress}]:{o.Port}" : $"{o.BindAddress}:{o.Port}";
        var s = new StringBuilder();
        s.AppendLine("# IotDevice firmware server, written by `nf-build backend apache write`. Do not edit: rewrite it.");
        s.AppendLine("# Runs Debian's /usr/sbin/apache2 with this file only (`backend apache start`), never the system instance's configuration.");
        s.AppendLine($"ServerRoot {Q(l.StateDir)}");
        s.AppendLine($"DefaultRuntimeDir {Q(l.RunDir)}");
        s.AppendLine($"PidFile {Q(l.PidFile)}");
        s.AppendLine($"Mutex file:{l.MutexDir} default");
        s.AppendLine($"ErrorLog {Q(l.ErrorLog)}");
        s.AppendLine("LogLevel warn");
        foreach (var (name, file) in ApacheModules.Required)
            s.AppendLine($"LoadModule {name} {Q(Path.Combine(moduleDir, file))}");
        s.AppendLine("# Ignored unless started as root: then the workers drop to this user (Apache refuses to serve as root).");
        s.AppendLine($"User {o.RunUser}");
        s.AppendLine($"Group {o.RunGroup}");
        s.AppendLine($"Listen {listen} https");
        s.AppendLine($"ServerName {o.ServerName}");
        s.AppendLine("ServerTokens Prod");
        s.AppendLine("ServerSignature Off");
        s.AppendLine("TraceEnable off");
        s.AppendLine("Timeout 60");
        s.AppendLine("KeepAlive On");
        s.AppendLine("MaxKeepAliveRequests 100");
        s.AppendLine("KeepAliveTimeout 5");
        s.AppendLine("TypesConfig /dev/null");
        s.AppendLine("AddType application/octet-stream .bin .sig");
        s.AppendLine("AddType text/plain .txt");
        s.AppendLine("# Strong validators for If-Range: size and modification time of the file (the 2.4 default, spelled out).");
        s.AppendLine("FileETag MTime Size");
        s.AppendLine("# Threat: a Range header with many ranges makes the server send the file many times (amplification); a");
        s.AppendLine("# device resumes with one range, so a multi-range request gets the whole file (200) instead.");
        s.AppendLine("MaxRanges 1");
        s.AppendLine("LogFormat \"%h %t \\\"%r\\\" %>s %b \\\"%{Range}i\\\" cn=%{SSL_CLIENT_S_DN_CN}x\" firmware");
        s.AppendLine($"CustomLog {Q(l.AccessLog)} firmware");
        s.AppendLine("SSLRandomSeed startup builtin");
        s.AppendLine("SSLRandomSeed connect builtin");
        s.AppendLine("# Resumption saves the device a full handshake per ranged request (seconds on an ESP32). Sessions live 5 minutes;");
        s.AppendLine("# tickets are off so a resumed session is one this server still holds (no long-lived ticket key).");
        s.AppendLine($"SSLSessionCache \"shmcb:{l.SessionCache}(512000)\"");
        s.AppendLine("SSLSessionCacheTimeout 300");
        s.AppendLine("SSLSessionTickets off");
        s.AppendLine("<Directory />");
        s.AppendLine("  Options None");
        s.AppendLine("  AllowOverride None");
        s.AppendLine("  Require all denied");
        s.AppendLine("</Directory>");
        s.AppendLine($"<VirtualHost {listen}>");
        s.AppendLine($"  ServerName {o.ServerName}");
        s.AppendLine($"  DocumentRoot {Q(l.DocumentRoot)}");
        s.AppendLine("  SSLEngine on");
        s.AppendLine("  # TLS 1.2 (what the device pins) and 1.3; ECDHE with AEAD only for 1.2. The server key is P-256, so ECDSA suites.");
        s.AppendLine("  SSLProtocol -all +TLSv1.2 +TLSv1.3");
        s.AppendLine("  SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305");
        s.AppendLine("  SSLHonorCipherOrder off");
        s.AppendLine("  SSLCompression off");
        s.AppendLine("  # Leaf then issuing CA (mod_ssl sends the whole chain from this file); devices pin the fleet root.");
        s.AppendLine($"  SSLCertificateFile {Q(f.ServerCertificate)}");
        s.AppendLine($"  SSLCertificateKeyFile {Q(f.ServerKey)}");
        if (o.RequireClientCertificate)
        {
            s.AppendLine("  # Threat: without it anyone who reaches the port can fetch the (signed, not secret) releases. At vhost level the");
            s.AppendLine("  # certificate is demanded in the handshake itself: no renegotiation or TLS 1.3 post-handshake auth, which");
            s.AppendLine("  # mbedTLS clients do not do. Any certificate of the issuing CA passes (devices and the renewal service).");
            s.AppendLine($"  SSLCACertificateFile {Q(f.CaBundle)}");
            s.AppendLine("  SSLVerifyClient require");
            s.AppendLine("  SSLVerifyDepth 2");
        }
        s.AppendLine($"  <Directory {Q(l.DocumentRoot)}>");
        s.AppendLine("    Options None");
        s.AppendLine("    AllowOverride None");
        s.AppendLine("    # Static downloads only: every other method is refused by authorization (403), whatever handler would take it.");
        s.AppendLine("    # (A <LimitExcept GET> deny next to \"Require all granted\" would be OR-ed with it and deny nothing.)");
        s.AppendLine("    Require method GET HEAD");
        s.AppendLine("  </Directory>");
        s.AppendLine("</VirtualHost>");
        return s.ToString();
    }

    /// <summary>The "Listen" endpoint of a written config (what `start` waits for).</summary>
    public static IPEndPoint ReadListen(string configFile)
    {
        foreach (var line in File.ReadAllLines(configFile))
        {
            if (!line.StartsWith("Listen ", StringComparison.Ordinal))
                continue;
            string endpoint = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            int colon = endpoint.LastIndexOf(':');
            string host = endpoint[..colon].Trim('[', ']');
            return new IPEndPoint(IPAddress.Parse(host), int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture));
        }
        throw new BackendException($"{configFile} has no Listen line (rewrite it with `nf-build backend apache write`)");
    }
}
