using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Thrown by Assert.SkipTest to skip the current test (or, from [Setup], its whole class).</summary>
    public class SkipTestException : Exception
    {
        public SkipTestException(string message) : base(message)
        {
        }
    }
}
