using System;
using System.IO;
using System.Net;
using IotDevice.Core.Platform;

namespace IotDevice.Device
{
    /// <summary>
    /// One response body of <see cref="HttpWebRequestDownloader"/>, read in the caller's chunks. Disposing closes the
    /// response and with it the TLS session (KeepAlive off).
    /// </summary>
    public sealed class HttpWebRequestDownload : IDownloadStream
    {
        private readonly HttpWebResponse _response;
        private readonly Stream _body;
        private bool _disposed;

        internal HttpWebRequestDownload(HttpWebResponse response, Stream body, int total, int start, string etag)
        {
            _response = response;
            _body = body;
            TotalLength = total;
            Position = start;
            ETag = etag;
        }

        public int TotalLength { get; private set; }

        public int Position { get; private set; }

        public string ETag { get; private set; }

        public int Read(byte[] buffer, int offset, int count)
        {
            if (_disposed)
                throw new ObjectDisposedException("HttpWebRequestDownload");
            if (Position >= TotalLength)
                return 0;
            int want = count;
            if (want > TotalLength - Position)
                want = TotalLength - Position;
            // ReadWriteTimeout bounds this read; a dropped connection throws or returns 0 before the end
            int n = _body.Read(buffer, offset, want);
            if (n <= 0)
                throw new IOException("the connection closed at byte " + Position.ToString() + " of " + TotalLength.ToString());
            Position += n;
            return n;
        }

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            try
            {
                _body.Close();
            }
            finally
            {
                _response.Close();
            }
        }
    }
}
