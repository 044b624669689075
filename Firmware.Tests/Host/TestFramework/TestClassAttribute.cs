using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Marks a class whose [TestMethod]s the launcher runs.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
    public sealed class TestClassAttribute : Attribute
    {
    }
}
