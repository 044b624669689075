using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Marks a test method (without parameters, or fed by [DataRow]s).</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class TestMethodAttribute : Attribute
    {
    }
}
