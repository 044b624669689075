namespace IotDevice.Core.Platform
{
    /// <summary>
    /// HTTPS GET with a byte range, so an interrupted download resumes where it stopped
    /// (esp_https_ota's partial download / resumption). The server certificate must chain to
    /// the pinned CA given to the adapter.
    /// </summary>
    public interface IRangeDownloader
    {
        /// <summary>
        /// Requests <paramref name="url"/> from byte <paramref name="offset"/> on (Range: bytes=offset-).
        /// A server that ignores the range must make this throw rather than silently restart at 0.
        /// </summary>
        IDownloadStream OpenAt(string url, int offset);
    }
}
