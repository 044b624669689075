using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Runs once per test class, after all its tests.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class CleanupAttribute : Attribute
    {
    }
}
