using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Platform;

namespace IotDevice.Host.Adapters;

/// <summary>
/// <see cref="IRangeDownloader"/> on .NET's HttpClient: HTTPS only, TLS 1.2 or 1.3, the server certificate
/// must chain to the pinned fleet root (custom root trust, not the OS store) and carry the URL's host name;
/// <c>Range: bytes=N-</c> with <c>If-Range: &lt;ETag&gt;</c>; bodies are streamed
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>), never buffered. At most one connection, kept alive
/// from one request to the next (the manifest, the signature and both parts of an update cost one TLS handshake,
/// not four) until <see cref="CloseConnections"/>; a response given up before its end closes the connection
/// instead of draining it. Connections are counted in <see cref="TlsSessions"/> while open.
/// </summary>
public sealed class HttpRangeDownloader : IRangeDownloader, IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly HashSet<IDownloadStream> _open = [];
    private HttpClient _client;

    /// <param name="pinnedRoot">The fleet root CA (<c>pki/root-ca.pem</c>).</param>
    /// <param name="readTimeout">Bound of each header wait and each body read.</param>
    /// <param name="tlsSessions">The device's TLS session count, shared with its MQTT session; null = a counter of its own.</param>
    public HttpRangeDownloader(X509Certificate2 pinnedRoot, TimeSpan? readTimeout = null, TlsSessionCounter? tlsSessions = null)
    {
        _root = pinnedRoot ?? throw new ArgumentNullException(nameof(pinnedRoot));
        TlsSessions = tlsSessions ?? new TlsSessionCounter();
        ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30);
        _client = CreateClient();
    }

    private HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectCountedAsync,
            // One connection, reused while the server keeps it alive; an idle one goes after a while even if nobody
            // calls CloseConnections (the updater does, before MQTT comes back).
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 1,
            // A body given up early (a reject, a dropped read) closes the connection instead of reading on.
            MaxResponseDrainSize = 0,
            AllowAutoRedirect = false, // Threat: a redirect is a server choosing another URL; the manifest names the URLs.
            AutomaticDecompression = DecompressionMethods.None, // byte ranges are of the stored bytes
            UseProxy = false,
            ConnectTimeout = ReadTimeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                // Threat: an older protocol downgrades the session's security; 1.2 is what mbedTLS on the device speaks.
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = ValidateServer,
            },
        };
        return new HttpClient(handler) { Timeout = ReadTimeout };
    }

    public TimeSpan ReadTimeout { get; }

    public IDownloadStream OpenAt(string url, int offset, string? ifRange)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var uri = new Uri(url, UriKind.Absolute);
        // Threat: plain HTTP would let anyone on the path see and stall the download (the content is still signed).
        if (uri.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"only https URLs are downloaded, not '{uri.Scheme}'", nameof(url));

        var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
            if (ifRange is not null)
                request.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(ifRange));
        }
        HttpResponseMessage response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead);
        try
        {
            return Accept(response, offset);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private IDownloadStream Accept(HttpResponseMessage response, int offset)
    {
        long total;
        if (offset > 0)
        {
            if (response.StatusCode == HttpStatusCode.OK)
                throw new RangeNotHonouredException($"the server answered 200 to 'Range: bytes={offset}-' (range ignored, or If-Range did not match: the file changed)");
            if (response.StatusCode != HttpStatusCode.PartialContent)
                throw new HttpRequestException($"GET {response.RequestMessage?.RequestUri} from {offset}: HTTP {(int)response.StatusCode}", null, response.StatusCode);
            ContentRangeHeaderValue? range = response.Content.Headers.ContentRange;
            if (range is not { HasRange: true, HasLength: true } || range.From != offset || range.Length is not { } length)
                throw new RangeNotHonouredException($"206 with Content-Range '{range}' does not start at {offset}");
            total = length;
        }
        else
        {
            if (response.StatusCode != HttpStatusCode.OK)
                throw new HttpRequestException($"GET {response.RequestMessage?.RequestUri}: HTTP {(int)response.StatusCode}", null, response.StatusCode);
            total = response.Content.Headers.ContentLength ?? throw new HttpRequestException("the response has no Content-Length (the size must be known before writing flash)");
        }
        if (total > int.MaxValue)
            throw new HttpRequestException($"resource of {total} bytes is too large");
        EntityTagHeaderValue? etag = response.Headers.ETag;
        // Only a strong ETag may be used in If-Range (RFC 9110 13.1.5).
        string? strong = etag is { IsWeak: false } ? etag.Tag : null;
        Stream body = response.Content.ReadAsStream();
        var stream = new HttpDownloadStream(response, body, (int)total, offset, strong, ReadTimeout, Forget);
        lock (_open)
            _open.Add(stream);
        return stream;
    }

    /// <summary>
    /// Threat: a server certificate from any other authority (a public CA included) or for another host name
    /// is refused, so only the fleet's own firmware server is ever talked to. (It cannot choose what is
    /// installed either: the manifest signature decides that.)
    /// </summary>
    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null)
            return false;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        if (presented is not null)
        {
            foreach (X509ChainElement element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        if (!chain.Build(leaf))
            return false;
        X509Certificate2 top = chain.ChainElements[^1].Certificate;
        return top.RawDataMemory.Span.SequenceEqual(_root.RawDataMemory.Span);
    }

    private int _connectionsOpened;
    private int _openConnections;

    /// <summary>The TLS session count these connections are counted in (the device's, when it shares one).</summary>
    public TlsSessionCounter TlsSessions { get; }

    /// <summary>TCP/TLS connections this downloader opened so far (a kept-alive one counts once).</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Connections of this downloader open now (in use or kept alive).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    private async ValueTask<Stream> ConnectCountedAsync(SocketsHttpConnectionContext context, CancellationToken token)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, token).ConfigureAwait(false);
            Interlocked.Increment(ref _connectionsOpened);
            Interlocked.Increment(ref _openConnections);
            return new CountedStream(new NetworkStream(socket, ownsSocket: true), TlsSessions, () => Interlocked.Decrement(ref _openConnections));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Forget(IDownloadStream stream)
    {
        lock (_open)
            _open.Remove(stream);
    }

    /// <summary>Closes every download still open (a firmware reset or power loss drops them) and the client.</summary>
    /// <summary>Closes every open download and the kept-alive connection (the handler is replaced by a fresh one).</summary>
    public void CloseConnections()
    {
        CloseOpenStreams();
        HttpClient old = _client;
        _client = CreateClient();
        old.Dispose();
    }

    public void Dispose()
    {
        CloseOpenStreams();
        _client.Dispose();
    }

    private void CloseOpenStreams()
    {
        IDownloadStream[] open;
        lock (_open)
            open = [.. _open];
        foreach (var stream in open)
            stream.Dispose();
    }

    /// <summary>The connection under one TLS session; counts as open until disposed (once).</summary>
    private sealed class CountedStream : Stream
    {
        private readonly Stream _inner;
        private readonly TlsSessionCounter _sessions;
        private readonly Action _onClose;
        private int _closed;

        public CountedStream(Stream inner, TlsSessionCounter sessions, Action onClose)
        {
            _inner = inner;
            _sessions = sessions;
            _onClose = onClose;
            _sessions.Opened();
        }

        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _inner.Dispose();
                _sessions.Closed();
                _onClose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
                _sessions.Closed();
                _onClose();
            }
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class HttpDownloadStream(HttpResponseMessage response, Stream body, int total, int start, string? etag, TimeSpan timeout, Action<IDownloadStream> closed) : IDownloadStream
    {
        private bool _disposed;
        private CancellationTokenSource _timeout = new();

        public int TotalLength { get; } = total;

        public int Position { get; private set; } = start;

        public string? ETag { get; } = etag;

        public int Read(byte[] buffer, int offset, int count)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Position >= TotalLength)
                return 0;
            // One timer per stream, re-armed per read (not a new CancellationTokenSource per 4 KB).
            if (!_timeout.TryReset())
            {
                _timeout.Dispose();
                _timeout = new CancellationTokenSource();
            }
            _timeout.CancelAfter(timeout);
            int n;
            try
            {
                n = body.ReadAsync(buffer.AsMemory(offset, count), _timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException e)
            {
                throw new IOException($"no data for {timeout.TotalSeconds:0} s at byte {Position}", e);
            }
            if (n == 0)
                throw new IOException($"the connection closed at byte {Position} of {TotalLength}");
            Position += n;
            return n;
        }

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            _timeout.Dispose();
            body.Dispose();
            response.Dispose();
            closed(this);
        }
    }
}

/// <summary>The server did not return the requested byte range (200 instead of 206, or another start).</summary>
public sealed class RangeNotHonouredException(string message) : IOException(message);
