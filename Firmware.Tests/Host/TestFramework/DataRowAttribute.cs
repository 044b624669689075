using System;

namespace nanoFramework.TestFramework
{
    /// <summary>One set of arguments for a parameterised test method; each row is its own test.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class DataRowAttribute : Attribute
    {
        public DataRowAttribute(params object[] methodParameters)
        {
            MethodParameters = methodParameters;
        }

        public object[] MethodParameters { get; private set; }
    }
}
