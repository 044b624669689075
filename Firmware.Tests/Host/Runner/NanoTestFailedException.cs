using System;

namespace Firmware.Tests.Host
{
    /// <summary>A nanoFramework test failed; the message is the assertion's (with the data row when there is one).</summary>
    public sealed class NanoTestFailedException : Exception
    {
        public NanoTestFailedException(string message, string output)
            : base(string.IsNullOrEmpty(output) ? message : message + Environment.NewLine + "--- test output ---" + Environment.NewLine + output)
        {
        }
    }
}
