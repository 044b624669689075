using System;
using System.Reflection;

namespace Firmware.Tests.Host
{
    /// <summary>One reported result: a [Setup], a [TestMethod], one [DataRow] of a method, or a [Cleanup].</summary>
    public sealed class NanoTestCase
    {
        public NanoTestCase(int order, NanoTestKind kind, Type testClass, MethodInfo method, int row, object[] arguments)
        {
            Order = order;
            Kind = kind;
            TestClass = testClass;
            Method = method;
            Row = row;
            Arguments = arguments;
            Id = testClass.FullName + "." + method.Name + (kind == NanoTestKind.DataRow ? " [row " + row + ": " + Format(arguments) + "]" : kind == NanoTestKind.Setup ? " [Setup]" : kind == NanoTestKind.Cleanup ? " [Cleanup]" : "");
        }

        /// <summary>Position in the launcher's run order (class by class: setup, tests, rows, cleanup).</summary>
        public int Order { get; private set; }

        public NanoTestKind Kind { get; private set; }

        public Type TestClass { get; private set; }

        public MethodInfo Method { get; private set; }

        /// <summary>1-based [DataRow] number in declaration order; 0 for other kinds.</summary>
        public int Row { get; private set; }

        public object[] Arguments { get; private set; }

        /// <summary>Stable, readable name shown by the test runner.</summary>
        public string Id { get; private set; }

        private static string Format(object[] arguments)
        {
            if (arguments == null)
                return "";
            string[] parts = new string[arguments.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                object a = arguments[i];
                parts[i] = a == null ? "null" : a is string ? "\"" + a + "\"" : a.ToString();
            }
            return string.Join(", ", parts);
        }
    }
}
