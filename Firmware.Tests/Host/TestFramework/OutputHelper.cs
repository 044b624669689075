using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Test output. Upstream writes to the console; the host runner captures it per test.</summary>
    public static class OutputHelper
    {
        public static void Write(string message)
        {
            Console.Write(message);
        }

        public static void WriteLine(string message)
        {
            Console.WriteLine(message);
        }
    }
}
