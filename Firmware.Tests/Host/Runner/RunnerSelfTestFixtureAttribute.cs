using System;

namespace Firmware.Tests.Host
{
    /// <summary>
    /// Marks a [TestClass] that exists only to test the runner itself (it fails on purpose); the main
    /// catalog leaves it out.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class RunnerSelfTestFixtureAttribute : Attribute
    {
    }
}
