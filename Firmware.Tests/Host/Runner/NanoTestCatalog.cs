using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using nanoFramework.TestFramework;

namespace Firmware.Tests.Host
{
    /// <summary>
    /// Discovers nanoFramework tests the way nanoFramework.UnitTestLauncher does: every class with
    /// [TestClass]; in it [Setup] methods first, then [TestMethod]s without [DataRow], then every
    /// [DataRow] of every method, then [Cleanup] methods.
    /// </summary>
    public sealed class NanoTestCatalog
    {
        private static NanoTestCatalog _main;
        private readonly Dictionary<string, NanoTestCase> _byId = new Dictionary<string, NanoTestCase>();

        public NanoTestCatalog(IEnumerable<Type> types)
        {
            List<NanoTestCase> cases = new List<NanoTestCase>();
            foreach (Type type in types.Where(t => t.IsClass && t.GetCustomAttribute<TestClassAttribute>() != null).OrderBy(t => t.FullName, StringComparer.Ordinal))
            {
                MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                    .OrderBy(m => m.MetadataToken).ToArray();
                foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<SetupAttribute>() != null))
                    cases.Add(new NanoTestCase(cases.Count, NanoTestKind.Setup, type, m, 0, null));
                foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<TestMethodAttribute>() != null && !m.GetCustomAttributes<DataRowAttribute>().Any()))
                    cases.Add(new NanoTestCase(cases.Count, NanoTestKind.TestMethod, type, m, 0, null));
                foreach (MethodInfo m in methods)
                {
                    int row = 0;
                    foreach (DataRowAttribute dataRow in m.GetCustomAttributes<DataRowAttribute>())
                        cases.Add(new NanoTestCase(cases.Count, NanoTestKind.DataRow, type, m, ++row, dataRow.MethodParameters ?? new object[] { null }));
                }
                foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<CleanupAttribute>() != null))
                    cases.Add(new NanoTestCase(cases.Count, NanoTestKind.Cleanup, type, m, 0, null));
            }

            foreach (NanoTestCase c in cases)
            {
                if (_byId.ContainsKey(c.Id))
                    throw new InvalidOperationException("two tests have the same name: " + c.Id);
                _byId.Add(c.Id, c);
            }
            Cases = cases;
        }

        /// <summary>All cases in run order.</summary>
        public IReadOnlyList<NanoTestCase> Cases { get; private set; }

        /// <summary>The tests compiled from Firmware.Tests (this assembly, minus the runner's own self-test fixtures).</summary>
        public static NanoTestCatalog Main
        {
            get
            {
                if (_main == null)
                    _main = new NanoTestCatalog(typeof(NanoTestCatalog).Assembly.GetTypes().Where(t => t.GetCustomAttribute<RunnerSelfTestFixtureAttribute>() == null));
                return _main;
            }
        }

        public NanoTestCase Find(string id)
        {
            NanoTestCase c;
            if (!_byId.TryGetValue(id, out c))
                throw new ArgumentException("no nanoFramework test named " + id);
            return c;
        }
    }
}
