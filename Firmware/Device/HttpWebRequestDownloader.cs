using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IRangeDownloader"/> on nanoFramework's HttpWebRequest (System.Net.Http 1.5.210): HTTPS only, TLS 1.2,
    /// the server certificate verified against the pinned fleet root(s) only and for the URL's host name,
    /// <c>Range: bytes=N-</c> (AddRange) with <c>If-Range: &lt;ETag&gt;</c> when resuming, one connection per download
    /// (KeepAlive off: the TLS session ends when the stream is disposed, so MQTT and HTTPS never hold two at once).
    /// The body is read in the caller's chunks from the response stream, never buffered whole.
    /// </summary>
    public sealed class HttpWebRequestDownloader : IRangeDownloader
    {
        private readonly X509Certificate _pinnedRoots;
        private readonly int _timeoutMs;

        /// <param name="pinnedRootsPem">ca_0 (and ca_1 during a rotation) from NVS: the firmware server's chain ends there.</param>
        /// <param name="timeoutMs">Bound of the connection, the headers and each body read.</param>
        public HttpWebRequestDownloader(byte[] pinnedRootsPem, int timeoutMs)
        {
            if (pinnedRootsPem == null || pinnedRootsPem.Length == 0)
                throw new ArgumentException("a pinned root is required (no unauthenticated TLS)", "pinnedRootsPem");
            if (timeoutMs <= 0)
                throw new ArgumentOutOfRangeException("timeoutMs");
            // mbedtls_x509_crt_parse reads PEM only from a NUL-terminated buffer, and adds every certificate of a bundle.
            _pinnedRoots = new X509Certificate(PemTerminated(pinnedRootsPem));
            _timeoutMs = timeoutMs;
        }

        /// <summary>Nothing to close: KeepAlive is off, so each download's TLS session ends when its stream is disposed.</summary>
        public void CloseConnections()
        {
        }

        public IDownloadStream OpenAt(string url, int offset, string ifRange)
        {
            if (url == null)
                throw new ArgumentNullException("url");
            if (offset < 0)
                throw new ArgumentOutOfRangeException("offset");
            // Threat: plain HTTP would let anyone on the path see and stall the download (the content is still signed).
            if (url.Length < 9 || url.Substring(0, 8).ToLower() != "https://")
                throw new ArgumentException("only https URLs are downloaded", "url");

            HttpWebRequest request = (HttpWebRequest)WebRequest.Create(url);
            request.Method = "GET";
            request.KeepAlive = false;
            request.Timeout = _timeoutMs;
            request.ReadWriteTimeout = _timeoutMs;
            // Threat: nanoFramework's default SslVerification is 0, which the native side (ssl_generic_init_internal.cpp)
            // turns into MBEDTLS_SSL_VERIFY_NONE: any server would be accepted. CertificateRequired makes mbedTLS verify
            // the chain against HttpsAuthentCert (the pinned roots only, as long as the config block holds no CA
            // bundle: see README "ESP32 image") and the host name (AuthenticateAsClient passes the URL's host to
            // mbedtls_ssl_set_hostname). TLS 1.2: what the fleet's servers and the device's mbedTLS are set up for.
            // HttpWebRequest never follows redirects (AllowAutoRedirect is always false in nanoFramework).
            request.SslProtocols = SslProtocols.Tls12;
            request.SslVerification = SslVerification.CertificateRequired;
            request.HttpsAuthentCert = _pinnedRoots;
            if (offset > 0)
            {
                request.AddRange(offset); // Range: bytes=<offset>-
                if (ifRange != null)
                    request.Headers.Add("If-Range", ifRange);
            }

            HttpWebResponse response = (HttpWebResponse)request.GetResponse();
            try
            {
                int total = Accept(response, offset);
                string etag = StrongETag(response.GetResponseHeader("ETag"));
                Stream body = response.GetResponseStream();
                return new HttpWebRequestDownload(response, body, total, offset, etag);
            }
            catch (Exception)
            {
                response.Close();
                throw;
            }
        }

        /// <summary>The complete length of the resource; throws for any answer the updater must not write.</summary>
        private static int Accept(HttpWebResponse response, int offset)
        {
            int status = (int)response.StatusCode;
            if (offset > 0)
            {
                // 200 to a range request: the server ignored the range, or If-Range did not match (the file changed).
                if (status == (int)HttpStatusCode.OK)
                    throw new IOException("the server answered 200 to a range request from " + offset.ToString() + " (range ignored, or the file changed)");
                if (status != (int)HttpStatusCode.PartialContent)
                    throw new IOException("HTTP " + status.ToString() + " for a range from " + offset.ToString());
                int complete = ContentRange.CompleteLength(response.GetResponseHeader("Content-Range"), offset);
                if (complete < 0)
                    throw new IOException("206 whose Content-Range does not run from " + offset.ToString() + " to the end");
                return complete;
            }
            if (status != (int)HttpStatusCode.OK)
                throw new IOException("HTTP " + status.ToString());
            long length = response.ContentLength;
            if (length < 0 || length > int.MaxValue)
                throw new IOException("the response has no usable Content-Length (the size must be known before writing flash)");
            return (int)length;
        }

        /// <summary>Only a strong ETag may go into If-Range (RFC 9110 13.1.5); a weak one (W/"...") or none ("": GetResponseHeader's absent value) means null.</summary>
        private static string StrongETag(string etag)
        {
            if (etag == null)
                return null;
            string value = etag.Trim();
            if (value.Length < 2 || value[0] != '"' || value[value.Length - 1] != '"')
                return null;
            return value;
        }

        private static byte[] PemTerminated(byte[] pem)
        {
            int length = pem.Length;
            if (length > 0 && pem[length - 1] == 0)
                length--;
            byte[] copy = new byte[length + 1];
            Array.Copy(pem, copy, length);
            return copy;
        }
    }
}
