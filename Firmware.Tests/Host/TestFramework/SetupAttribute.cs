using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Runs once per test class, before its tests. Throwing SkipTestException here skips the whole class.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class SetupAttribute : Attribute
    {
    }
}
