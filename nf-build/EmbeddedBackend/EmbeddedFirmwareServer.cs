using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Release;

namespace NfBuild.EmbeddedBackend;

/// <summary>Options of <see cref="EmbeddedFirmwareServer.StartAsync"/>.</summary>
public sealed record EmbeddedFirmwareServerOptions
{
    /// <summary>Listen address (loopback: a development server is not for the network).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Null: the port of <see cref="ReleasePaths.DefaultBaseUrl"/> (18443, what `release create` writes by default); 0: any free port.</summary>
    public int? Port { get; init; }

    /// <summary>Host name of <see cref="EmbeddedFirmwareServer.BaseUrl"/>: must be a DNS SAN of pki/server.pem (the device checks it).</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>Null: the fleet's firmware document root (<see cref="ReleasePaths.DocumentRoot"/>, where `release publish` writes).</summary>
    public string? DocumentRoot { get; init; }

    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>One line per answered request (method, path, range, status).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// The fleet's HTTPS firmware server in-process, on Kestrel: the same document root and TLS identity as the Apache
/// virtual host of `backend apache write` (pki/server.pem with its issuing CA, server.key, TLS 1.2/1.3), GET and HEAD
/// of regular files only, single byte ranges (206 with Content-Range; several ranges get the whole file, as Apache's
/// MaxRanges 1), strong ETags from the file's SHA-256 and If-Range (a validator that does not match gets 200 and the
/// whole file). README "Embedded backend", "Releases and the firmware server".
/// <para>
/// Threats: the server gives confidentiality and a clean resume, never authenticity (the device installs only what
/// the release key signed and what the signed manifest hashes). What it must not do is hand out anything but the
/// published files: paths are resolved by <see cref="PhysicalFileProvider"/> (no "..", no absolute paths, no dot-files),
/// checked again to lie under the document root, symbolic links are refused (a link planted in htdocs could point at
/// pki/server.key), directories are never listed, only GET/HEAD are answered. The ETag is the content's hash, so a
/// resumed download (If-Range) can never splice bytes of two different files under one URL.
/// </para>
/// </summary>
public sealed class EmbeddedFirmwareServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;
    private readonly PhysicalFileProvider _files;
    private readonly Action<string>? _log;
    private readonly ConcurrentDictionary<string, (long Length, DateTime Modified, string ETag)> _etags = new();
    private int _requests;

    private EmbeddedFirmwareServer(WebApplication app, string root, PhysicalFileProvider files, Action<string>? log)
    {
        _app = app;
        _root = root;
        _files = files;
        _log = log;
    }

    /// <summary>https://&lt;host name&gt;:&lt;port&gt;/ : the base URL for `release create --base-url`.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public int Port { get; private set; }

    /// <summary>The folder served (full path).</summary>
    public string DocumentRoot => _root;

    /// <summary>Requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The port of <see cref="ReleasePaths.DefaultBaseUrl"/> (18443).</summary>
    public static int DefaultPort => new Uri(ReleasePaths.DefaultBaseUrl).Port;

    public static async Task<EmbeddedFirmwareServer> StartAsync(FleetDirectory fleet, EmbeddedFirmwareServerOptions? options = null)
    {
        options ??= new EmbeddedFirmwareServerOptions();
        foreach (var (path, what) in new[] { (fleet.ServerCertificate, "server certificate chain"), (fleet.ServerKey, "server key") })
        {
            if (!File.Exists(path))
                throw new BackendException($"{what} {path} does not exist");
        }
        string root = Path.GetFullPath(options.DocumentRoot ?? ReleasePaths.DocumentRoot(fleet.Root));
        Directory.CreateDirectory(root);
        var (server, chain) = EmbeddedBackend.LoadServerCertificate(fleet);
        int port = options.Port ?? DefaultPort;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(EmbeddedFirmwareServer).Assembly.GetName().Name, ContentRootPath = root });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.BindAddress, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = server;
                    // Send the issuing CA with the leaf: the device pins only the root (ca_0).
                    https.ServerCertificateChain = [.. chain];
                    https.SslProtocols = options.Protocols;
                });
            });
        });
        var app = builder.Build();
        var files = new PhysicalFileProvider(root + Path.DirectorySeparatorChar);
        var firmware = new EmbeddedFirmwareServer(app, root, files, options.Log);
        app.Run(firmware.HandleAsync);
        try
        {
            await app.StartAsync();
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            files.Dispose();
            throw new BackendException($"firmware server: cannot listen on {options.BindAddress}:{port}: {ex.Message}");
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        firmware.Port = new Uri(address).Port;
        firmware.BaseUrl = new Uri($"https://{options.HostName}:{firmware.Port}/");
        return firmware;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            Log(context);
            return;
        }
        string? physical = Resolve(request.Path.Value ?? "");
        if (physical is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            Log(context);
            return;
        }
        var info = new FileInfo(physical);
        string etag = ETagOf(info);
        string type = physical.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? "text/plain" : "application/octet-stream";
        // Results.File: Accept-Ranges, single ranges (206/416), several ranges -> 200, If-Range (strong ETag comparison,
        // or the date), If-None-Match / If-Modified-Since (304), If-Match (412).
        var result = Results.File(physical, type, fileDownloadName: null, lastModified: info.LastWriteTimeUtc,
            entityTag: new EntityTagHeaderValue(etag), enableRangeProcessing: true);
        await result.ExecuteAsync(context);
        Log(context);
    }

    /// <summary>The full path of a published regular file for a request path, or null (not found, outside the root, a directory, a link, a dot-file).</summary>
    private string? Resolve(string path)
    {
        if (path.Length < 2 || path[0] != '/' || path.Contains('\\') || path.Contains('\0'))
            return null;
        IFileInfo file = _files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory || file.PhysicalPath is not { } physical)
            return null;
        string full = Path.GetFullPath(physical);
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return null;
        // No symbolic link in the file or in any folder between it and the document root.
        for (FileSystemInfo? at = new FileInfo(full); at is not null && at.FullName.Length > _root.Length; at = at is FileInfo f ? f.Directory : ((DirectoryInfo)at).Parent)
        {
            if (at.LinkTarget is not null)
                return null;
        }
        return full;
    }

    /// <summary>Strong ETag: the first 128 bits of the content's SHA-256, cached per (path, length, mtime).</summary>
    private string ETagOf(FileInfo file)
    {
        long length = file.Length;
        DateTime modified = file.LastWriteTimeUtc;
        if (_etags.TryGetValue(file.FullName, out var cached) && cached.Length == length && cached.Modified == modified)
            return cached.ETag;
        using var stream = file.OpenRead();
        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(stream))[..32] + "\"";
        _etags[file.FullName] = (length, modified, etag);
        return etag;
    }

    private void Log(HttpContext context)
    {
        if (_log is null)
            return;
        string range = context.Request.Headers.Range.ToString();
        _log($"firmware server: {context.Request.Method} {context.Request.Path}{(range.Length > 0 ? " " + range : "")} -> {context.Response.StatusCode}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _files.Dispose();
    }
}
