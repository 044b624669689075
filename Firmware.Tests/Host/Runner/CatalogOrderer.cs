using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Firmware.Tests.Host
{
    /// <summary>Orders the xunit cases as the nanoFramework launcher would run them (xunit's default order is a hash).</summary>
    public sealed class CatalogOrderer : ITestCaseOrderer
    {
        public const string TypeName = "Firmware.Tests.Host.CatalogOrderer";
        public const string AssemblyName = "Firmware.Tests.Host";

        public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase
        {
            return testCases.OrderBy(c => OrderOf(c));
        }

        private static int OrderOf(ITestCase testCase)
        {
            object[] args = testCase.TestMethodArguments;
            if (args == null || args.Length == 0)
                return int.MaxValue;
            return NanoTestCatalog.Main.Find(((NanoTestId)args[0]).Id).Order;
        }
    }
}
