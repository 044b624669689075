using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>The one exception a text record parser throws: the named <see cref="Error"/> and a message saying where.</summary>
    public class TextRecordException : Exception
    {
        public TextRecordException(TextRecordError error, string message)
            : base(message)
        {
            Error = error;
        }

        public TextRecordError Error { get; private set; }
    }
}
