using System;

namespace IotDevice.Core.Identity
{
    /// <summary>The one exception the DER and certificate parsers throw for malformed input.</summary>
    public class DerFormatException : Exception
    {
        public DerFormatException(string message)
            : base(message)
        {
        }
    }
}
