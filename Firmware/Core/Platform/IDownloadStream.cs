using System;

namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The body of an HTTPS response read piece by piece. An OTA image is far larger than the ESP32's
    /// free RAM, so it is never buffered whole: the caller reads a chunk, writes it to flash, repeats.
    /// Disposing closes the connection (and its TLS session).
    /// </summary>
    public interface IDownloadStream : IDisposable
    {
        /// <summary>Size of the whole resource in bytes (from Content-Range or Content-Length).</summary>
        int TotalLength { get; }

        /// <summary>Offset in the resource of the next byte <see cref="Read"/> returns.</summary>
        int Position { get; }

        /// <summary>The response's strong ETag, or null when it had none (a resumed request then sends no If-Range).</summary>
        string ETag { get; }

        /// <summary>Reads up to <paramref name="count"/> bytes; returns 0 only at the end of the resource. Throws when the connection drops.</summary>
        int Read(byte[] buffer, int offset, int count);
    }
}
