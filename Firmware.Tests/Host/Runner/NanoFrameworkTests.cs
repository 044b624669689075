using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Firmware.Tests.Host
{
    /// <summary>
    /// The bridge to `dotnet test`: one xunit case per nanoFramework test, data row, setup and cleanup,
    /// named by its id, run in the launcher's order.
    /// </summary>
    [TestCaseOrderer(CatalogOrderer.TypeName, CatalogOrderer.AssemblyName)]
    public sealed class NanoFrameworkTests
    {
        private static readonly NanoTestSession Session = new NanoTestSession();
        private readonly ITestOutputHelper _output;

        public NanoFrameworkTests(ITestOutputHelper output)
        {
            _output = output;
        }

        public static IEnumerable<object[]> Cases
        {
            get { return NanoTestCatalog.Main.Cases.Select(c => new object[] { new NanoTestId(c.Id) }); }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Run(NanoTestId test)
        {
            NanoTestSession.Outcome outcome = Session.Run(NanoTestCatalog.Main.Find(test.Id), NanoTestCatalog.Main);
            if (!string.IsNullOrEmpty(outcome.Output))
                _output.WriteLine(outcome.Output);
            if (outcome.Skipped)
                _output.WriteLine("skipped: " + outcome.SkipReason); // xunit 2 has no runtime skip; the reason is kept in the output
        }
    }
}
