using System;
using IotDevice.Core.Updates;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Updates
{
    [TestClass]
    public class AppBuildTimeTests
    {
        [TestMethod]
        public void CompilerForm_WithPaddedDay_IsUtc()
        {
            DateTime t = AppBuildTime.Parse("Dec  1 2026 20:15:07");
            Assert.AreEqual(new DateTime(2026, 12, 1, 20, 15, 7).Ticks, t.Ticks);
            Assert.AreEqual(2026, AppBuildTime.Parse("Jul 24 2026 00:00:00").Year);
        }

        [TestMethod]
        [DataRow("")]
        [DataRow("Dec 1 2026")]
        [DataRow("Dez  1 2026 20:15:07")]
        [DataRow("Feb 30 2026 20:15:07")]
        [DataRow("Dec  1 2026 24:00:00")]
        [DataRow("Dec  1 26 20:15:07")]
        [DataRow("Dec  1 2026 20:15")]
        [DataRow("Dec  1 2026 20:15:07 extra")]
        public void AnythingElse_GivesNoFloor(string text)
        {
            Assert.AreEqual(DateTime.MinValue.Ticks, AppBuildTime.Parse(text).Ticks);
        }

        [TestMethod]
        public void Null_GivesNoFloor()
        {
            Assert.AreEqual(DateTime.MinValue.Ticks, AppBuildTime.Parse(null).Ticks);
        }
    }
}
