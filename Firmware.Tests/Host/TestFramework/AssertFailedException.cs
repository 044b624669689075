using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Thrown by a failed assertion; its message is what the test result shows.</summary>
    public class AssertFailedException : Exception
    {
        public AssertFailedException(string message) : base(message)
        {
        }
    }
}
