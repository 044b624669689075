using System;
using System.Linq;
using Xunit;

namespace Firmware.Tests.Host.SelfTests
{
    /// <summary>Proves the host runner reports what the nanoFramework launcher would: failures fail, rows are named.</summary>
    public class RunnerSelfTests
    {
        private static NanoTestCatalog Catalog()
        {
            return new NanoTestCatalog(new[] { typeof(FailingFixture), typeof(SkippedFixture) });
        }

        [Fact]
        public void Catalog_ListsSetupTestsRowsCleanup_InLauncherOrder()
        {
            string[] ids = Catalog().Cases.Where(c => c.TestClass == typeof(FailingFixture)).Select(c => c.Id.Substring(typeof(FailingFixture).FullName.Length + 1)).ToArray();

            Assert.Equal(new[]
            {
                "Setup [Setup]", "Passes", "FailsWithMessage", "Throws",
                "Rows [row 1: 1, 1]", "Rows [row 2: 2, 3]", "Rows [row 3: 4, 4]", "RowWithWrongArity [row 1: \"only one\"]",
                "Cleanup [Cleanup]"
            }, ids);
        }

        [Fact]
        public void FailingAssert_FailsWithTheAssertMessage()
        {
            NanoTestCatalog catalog = Catalog();
            NanoTestSession session = new NanoTestSession();

            var ex = Assert.Throws<NanoTestFailedException>(() => session.Run(catalog.Find(typeof(FailingFixture).FullName + ".FailsWithMessage"), catalog));

            Assert.StartsWith("Assert.AreEqual failed. Expected:<42>. Actual:<41>. the answer", ex.Message);
        }

        [Fact]
        public void FailingDataRow_NamesTheRow()
        {
            NanoTestCatalog catalog = Catalog();
            NanoTestSession session = new NanoTestSession();

            session.Run(catalog.Find(typeof(FailingFixture).FullName + ".Rows [row 1: 1, 1]"), catalog);
            var ex = Assert.Throws<NanoTestFailedException>(() => session.Run(catalog.Find(typeof(FailingFixture).FullName + ".Rows [row 2: 2, 3]"), catalog));

            Assert.StartsWith("[DataRow 2] Assert.AreEqual failed. Expected:<2>. Actual:<3>.", ex.Message);
        }

        [Fact]
        public void UnexpectedException_FailsWithItsTypeAndMessage()
        {
            NanoTestCatalog catalog = Catalog();
            var ex = Assert.Throws<NanoTestFailedException>(() => new NanoTestSession().Run(catalog.Find(typeof(FailingFixture).FullName + ".Throws"), catalog));

            Assert.StartsWith("System.InvalidOperationException: boom", ex.Message);
        }

        [Fact]
        public void DataRowOfTheWrongArity_FailsNamingTheRow()
        {
            NanoTestCatalog catalog = Catalog();
            var ex = Assert.Throws<NanoTestFailedException>(() => new NanoTestSession().Run(catalog.Find(typeof(FailingFixture).FullName + ".RowWithWrongArity [row 1: \"only one\"]"), catalog));

            Assert.StartsWith("[DataRow 1] wrong number of arguments", ex.Message);
        }

        [Fact]
        public void FilteredRun_RunsTheClassSetupFirst_AndCapturesOutput()
        {
            FailingFixture.Log = "";
            NanoTestCatalog catalog = Catalog();

            NanoTestSession.Outcome outcome = new NanoTestSession().Run(catalog.Find(typeof(FailingFixture).FullName + ".Passes"), catalog);

            Assert.Equal("setup;passes;", FailingFixture.Log);
            Assert.Contains("hello from a test", outcome.Output);
        }

        [Fact]
        public void SkipInSetup_SkipsTheWholeClass()
        {
            SkippedFixture.TestRan = false;
            NanoTestCatalog catalog = Catalog();
            NanoTestSession session = new NanoTestSession();

            NanoTestSession.Outcome outcome = session.Run(catalog.Find(typeof(SkippedFixture).FullName + ".NeverRuns"), catalog);

            Assert.True(outcome.Skipped);
            Assert.Contains("no hardware here", outcome.SkipReason);
            Assert.False(SkippedFixture.TestRan);

            SkippedFixture.CleanupRan = false;
            Assert.True(session.Run(catalog.Find(typeof(SkippedFixture).FullName + ".Cleanup [Cleanup]"), catalog).Skipped);
            Assert.False(SkippedFixture.CleanupRan);
        }

        [Fact]
        public void MainCatalog_HoldsTheFirmwareTests_AndNoSelfTestFixture()
        {
            Assert.Contains(NanoTestCatalog.Main.Cases, c => c.TestClass.FullName == "IotDevice.Tests.Core.FirmwareVersionTests");
            Assert.DoesNotContain(NanoTestCatalog.Main.Cases, c => c.TestClass == typeof(FailingFixture));
        }
    }
}
