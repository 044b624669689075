using System;
using nanoFramework.TestFramework;

namespace Firmware.Tests.Host.SelfTests
{
    // nanoFramework-style test classes that exist to prove the runner reports failures; they fail on purpose
    // and are therefore kept out of the main catalog.

    [TestClass, RunnerSelfTestFixture]
    public class FailingFixture
    {
        public static string Log = "";

        [Setup]
        public void Setup()
        {
            Log += "setup;";
        }

        [TestMethod]
        public void Passes()
        {
            Log += "passes;";
            OutputHelper.WriteLine("hello from a test");
        }

        [TestMethod]
        public void FailsWithMessage()
        {
            Log += "fails;";
            Assert.AreEqual(42, 41, "the answer");
        }

        [TestMethod]
        public void Throws()
        {
            throw new InvalidOperationException("boom");
        }

        [TestMethod]
        [DataRow(1, 1)]
        [DataRow(2, 3)]
        [DataRow(4, 4)]
        public void Rows(int a, int b)
        {
            Log += "row" + a + ";";
            Assert.AreEqual(a, b);
        }

        [TestMethod]
        [DataRow("only one")]
        public void RowWithWrongArity(string a, string b)
        {
        }

        [Cleanup]
        public void Cleanup()
        {
            Log += "cleanup;";
        }
    }

    [TestClass, RunnerSelfTestFixture]
    public class SkippedFixture
    {
        public static bool TestRan;

        [Setup]
        public void Setup()
        {
            Assert.SkipTest("no hardware here");
        }

        public static bool CleanupRan;

        [TestMethod]
        public void NeverRuns()
        {
            TestRan = true;
        }

        [Cleanup]
        public void Cleanup()
        {
            CleanupRan = true;
        }
    }
}
