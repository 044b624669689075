using System;
using System.Collections;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// A file server in memory: URL -> bytes and ETag, Range and If-Range as a server does them (a changed
    /// ETag makes the adapter throw, as HttpRangeDownloader does on a 200). Drops the connection when a read
    /// reaches one of the armed offsets (each offset once), and records every request.
    /// </summary>
    public sealed class FakeRangeDownloader : IRangeDownloader
    {
        private readonly ArrayList _urls = new ArrayList();
        private readonly ArrayList _bodies = new ArrayList();
        private readonly ArrayList _etags = new ArrayList();
        private readonly ArrayList _drops = new ArrayList();
        private readonly ArrayList _log = new ArrayList();

        public int Opens { get; private set; }

        public int OpenStreams { get; set; }

        public int MaxOpenStreams { get; set; }

        /// <summary>When true every OpenAt throws (server unreachable).</summary>
        public bool Unreachable { get; set; }

        public void Serve(string url, byte[] body, string etag)
        {
            int i = _urls.IndexOf(url);
            if (i >= 0)
            {
                _bodies[i] = body;
                _etags[i] = etag;
                return;
            }
            _urls.Add(url);
            _bodies.Add(body);
            _etags.Add(etag);
        }

        /// <summary>The connection breaks once when the body reaches <paramref name="offset"/> of <paramref name="url"/>.</summary>
        public void DropAt(string url, int offset)
        {
            _drops.Add(url + "@" + offset.ToString());
        }

        /// <summary>"url offset if-range" of each request.</summary>
        public string Request(int index)
        {
            return (string)_log[index];
        }

        public int RequestCount
        {
            get { return _log.Count; }
        }

        /// <summary>The offsets requested for <paramref name="url"/>, comma separated.</summary>
        public string OffsetsOf(string url)
        {
            string all = "";
            for (int i = 0; i < _log.Count; i++)
            {
                string r = (string)_log[i];
                if (r.IndexOf(url + " ") == 0)
                {
                    string rest = r.Substring(url.Length + 1);
                    int sp = rest.IndexOf(' ');
                    all = all + (all.Length == 0 ? "" : ",") + (sp < 0 ? rest : rest.Substring(0, sp));
                }
            }
            return all;
        }

        public IDownloadStream OpenAt(string url, int offset, string ifRange)
        {
            Opens++;
            _log.Add(url + " " + offset.ToString() + (ifRange == null ? "" : " " + ifRange));
            if (Unreachable)
                throw new InvalidOperationException("connection refused");
            int i = _urls.IndexOf(url);
            if (i < 0)
                throw new InvalidOperationException("HTTP 404 " + url);
            byte[] body = (byte[])_bodies[i];
            string etag = (string)_etags[i];
            if (offset > 0 && ifRange != null && ifRange != etag)
                throw new InvalidOperationException("HTTP 200 to a range request (If-Range did not match)");
            if (offset > body.Length)
                throw new InvalidOperationException("HTTP 416");
            OpenStreams++;
            if (OpenStreams > MaxOpenStreams)
                MaxOpenStreams = OpenStreams;
            return new Stream(this, url, body, offset, etag);
        }

        /// <summary>How often the updater closed the kept-alive connection.</summary>
        public int Closes { get; private set; }

        /// <summary>The value of <see cref="Opens"/> at the last CloseConnections (the kept-alive connection is gone).</summary>
        public int ClosedAt { get; private set; }

        public void CloseConnections()
        {
            Closes++;
            ClosedAt = Opens;
        }

        internal bool TakeDrop(string url, int from, int to)
        {
            for (int i = 0; i < _drops.Count; i++)
            {
                string d = (string)_drops[i];
                int at = d.LastIndexOf('@');
                if (d.Substring(0, at) != url)
                    continue;
                int offset = int.Parse(d.Substring(at + 1));
                if (offset >= from && offset < to)
                {
                    _drops.RemoveAt(i);
                    return true;
                }
            }
            return false;
        }

        private sealed class Stream : IDownloadStream
        {
            private readonly FakeRangeDownloader _server;
            private readonly string _url;
            private readonly byte[] _body;
            private bool _disposed;

            public Stream(FakeRangeDownloader server, string url, byte[] body, int offset, string etag)
            {
                _server = server;
                _url = url;
                _body = body;
                Position = offset;
                ETag = etag;
            }

            public int TotalLength
            {
                get { return _body.Length; }
            }

            public int Position { get; private set; }

            public string ETag { get; private set; }

            public int Read(byte[] buffer, int offset, int count)
            {
                if (_disposed)
                    throw new InvalidOperationException("read after dispose");
                // like TCP: at most 1500 bytes per read
                int n = count < 1500 ? count : 1500;
                if (n > _body.Length - Position)
                    n = _body.Length - Position;
                if (n > 0 && _server.TakeDrop(_url, Position, Position + n))
                    throw new InvalidOperationException("connection reset at " + Position.ToString());
                Array.Copy(_body, Position, buffer, offset, n);
                Position += n;
                return n;
            }

            public void Dispose()
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _server.OpenStreams--;
                }
            }
        }
    }
}
