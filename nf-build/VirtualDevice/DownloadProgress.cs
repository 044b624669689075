using System.Collections.Concurrent;
using IotDevice.Core.Platform;

namespace NfBuild.VirtualDevice;

/// <summary>
/// How far the device's HTTPS downloads got, per URL: the byte position the firmware has read up to (a resumed request
/// starts at its offset) and the resource's size. Written by the device's main loop, read by anyone (a progress bar).
/// </summary>
public sealed class DownloadProgress
{
    private readonly ConcurrentDictionary<string, (int Position, int Total)> _urls = new();

    /// <summary>Position and size of the last download of <paramref name="url"/>, or null when it was never opened.</summary>
    public (int Position, int Total)? Of(string url) => _urls.TryGetValue(url, out var p) ? p : null;

    internal void Report(string url, int position, int total) => _urls[url] = (position, total);

    /// <summary>Wraps a downloader so that every read is reported here (the firmware sees the same streams).</summary>
    internal IRangeDownloader Wrap(IRangeDownloader inner) => new Reporting(inner, this);

    private sealed class Reporting(IRangeDownloader inner, DownloadProgress progress) : IRangeDownloader
    {
        public IDownloadStream OpenAt(string url, int offset, string ifRange)
        {
            IDownloadStream stream = inner.OpenAt(url, offset, ifRange);
            progress.Report(url, stream.Position, stream.TotalLength);
            return new ReportingStream(stream, url, progress);
        }

        public void CloseConnections() => inner.CloseConnections();
    }

    private sealed class ReportingStream(IDownloadStream inner, string url, DownloadProgress progress) : IDownloadStream
    {
        public int TotalLength => inner.TotalLength;
        public int Position => inner.Position;
        public string ETag => inner.ETag;

        public int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            progress.Report(url, inner.Position, inner.TotalLength);
            return n;
        }

        public void Dispose() => inner.Dispose();
    }
}
