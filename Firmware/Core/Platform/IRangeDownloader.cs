namespace IotDevice.Core.Platform
{
    /// <summary>
    /// HTTPS GET with a byte range, so an interrupted download resumes where it stopped
    /// (esp_https_ota's partial download / resumption). The server certificate must chain to
    /// the pinned CA given to the adapter and carry the URL's host name.
    /// </summary>
    public interface IRangeDownloader
    {
        /// <summary>
        /// Requests <paramref name="url"/> from byte <paramref name="offset"/> on (<c>Range: bytes=offset-</c>
        /// when offset &gt; 0), with <c>If-Range: <paramref name="ifRange"/></c> when it is not null (the ETag
        /// the earlier part of the download came with). A server that answers 200 to a range request (it
        /// ignored the range, or the resource changed and If-Range did not match) makes this throw rather
        /// than silently restart at 0; so does any status other than 200 (offset 0) or 206.
        /// </summary>
        IDownloadStream OpenAt(string url, int offset, string ifRange);

        /// <summary>
        /// Closes the connection kept alive between requests (esp_http_client_cleanup). The adapter may keep one
        /// TLS connection open across the manifest, signature and part requests of an update (one handshake, not
        /// four); the updater calls this before it gives the network back to MQTT, so that only one TLS session
        /// is ever open. Idempotent.
        /// </summary>
        void CloseConnections();
    }
}
