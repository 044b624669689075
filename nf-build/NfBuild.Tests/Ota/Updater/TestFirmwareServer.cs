using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>
/// An in-process HTTPS firmware server (Kestrel, TLS with a test CA): files by path, strong ETags, single
/// byte ranges <c>bytes=N-</c> answered 206 with Content-Range, If-Range honoured (a stale ETag gets the
/// whole file with 200), and faults on demand: drop the connection once a body reaches an offset, or
/// ignore ranges (200 to every request, like a misconfigured server).
/// </summary>
internal sealed class TestFirmwareServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (byte[] Body, string ETag)> _files = new();
    private readonly ConcurrentQueue<(string Path, int Offset)> _drops = new();
    private int _requests;

    private TestFirmwareServer(WebApplication app) => _app = app;

    public static TestFirmwareServer Start(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var server = new TestFirmwareServer(app);
        app.Run(server.HandleAsync);
        app.StartAsync().GetAwaiter().GetResult();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        return server;
    }

    public int Port { get; private set; }

    public string BaseUrl => $"https://localhost:{Port}/";

    public bool IgnoreRanges { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Range requests seen ("path from"), in order.</summary>
    public ConcurrentQueue<string> RangeLog { get; } = new();

    public string Put(string path, byte[] body)
    {
        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"";
        _files[path.TrimStart('/')] = (body, etag);
        return BaseUrl + path.TrimStart('/');
    }

    /// <summary>The next response of <paramref name="path"/> whose body crosses <paramref name="offset"/> stops there and the connection is aborted.</summary>
    public void DropAt(string path, int offset) => _drops.Enqueue((path.TrimStart('/'), offset));

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        string path = context.Request.Path.Value!.TrimStart('/');
        if (!_files.TryGetValue(path, out var file))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.Headers.ETag = file.ETag;
        context.Response.Headers.AcceptRanges = "bytes";
        int from = 0;
        string? range = context.Request.Headers.Range;
        string? ifRange = context.Request.Headers.IfRange;
        if (!IgnoreRanges && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && (ifRange is null || ifRange == file.ETag) && int.TryParse(range.AsSpan(6, range.Length - 7), out int start))
        {
            if (start >= file.Body.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }
            from = start;
            RangeLog.Enqueue($"{path} {from}");
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{file.Body.Length - 1}/{file.Body.Length}";
        }
        else
        {
            context.Response.StatusCode = 200;
        }
        context.Response.ContentLength = file.Body.Length - from;

        int stopAt = file.Body.Length;
        foreach (var drop in _drops)
        {
            if (drop.Path == path && drop.Offset > from && drop.Offset < stopAt)
            {
                stopAt = drop.Offset;
                break;
            }
        }
        if (stopAt < file.Body.Length)
        {
            // take that drop out of the queue (the others stay)
            var keep = new List<(string, int)>();
            while (_drops.TryDequeue(out var d))
                if (!(d.Path == path && d.Offset == stopAt)) keep.Add(d);
            foreach (var d in keep) _drops.Enqueue(d);
        }

        for (int at = from; at < stopAt;)
        {
            int n = Math.Min(8192, stopAt - at);
            await context.Response.Body.WriteAsync(file.Body.AsMemory(at, n));
            at += n;
        }
        if (stopAt < file.Body.Length)
        {
            await context.Response.Body.FlushAsync();
            await Task.Delay(30); // let the bytes leave through TLS before the reset
            context.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
