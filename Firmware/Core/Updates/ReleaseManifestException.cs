using System;

namespace IotDevice.Core.Updates
{
    /// <summary>The one exception the manifest codec throws for bad input: the named <see cref="Reason"/> and a message saying where.</summary>
    public class ReleaseManifestException : Exception
    {
        public ReleaseManifestException(ManifestRejection reason, string message)
            : base(message)
        {
            Reason = reason;
        }

        public ManifestRejection Reason { get; private set; }

        /// <summary>The reason's machine word, e.g. "bad-hash".</summary>
        public string Word
        {
            get { return ManifestRejectionWords.Of(Reason); }
        }
    }
}
