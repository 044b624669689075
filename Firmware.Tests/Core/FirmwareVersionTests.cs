using System;
using IotDevice.Core.Updates;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core
{
    [TestClass]
    public class FirmwareVersionTests
    {
        [TestMethod]
        [DataRow("1.2.3", 1, 2, 3)]
        [DataRow("v0.10.65535", 0, 10, 65535)]
        public void Parse_ReadsTheThreeParts(string text, int major, int minor, int patch)
        {
            FirmwareVersion v = FirmwareVersion.Parse(text);

            Assert.AreEqual(major, v.Major);
            Assert.AreEqual(minor, v.Minor);
            Assert.AreEqual(patch, v.Patch);
        }

        [TestMethod]
        [DataRow("")]
        [DataRow("1.2")]
        [DataRow("1.2.3.4")]
        [DataRow("1..3")]
        [DataRow("1.2.-3")]
        [DataRow("1.2.3 ")]
        [DataRow("1.2.65536")]
        [DataRow("1.2.x")]
        public void Parse_RejectsMalformedVersions(string text)
        {
            Assert.ThrowsException(typeof(ArgumentException), () => FirmwareVersion.Parse(text));
        }

        [TestMethod]
        [DataRow("1.0.0", "1.0.1", true)]
        [DataRow("1.0.9", "1.1.0", true)]
        [DataRow("1.9.9", "2.0.0", true)]
        [DataRow("1.0.10", "1.0.9", false)]
        [DataRow("2.0.0", "1.99.99", false)]
        [DataRow("1.2.3", "1.2.3", false)]
        public void AllowsUpdateTo_OnlyStrictlyNewer(string running, string candidate, bool allowed)
        {
            Assert.AreEqual(allowed, FirmwareVersion.Parse(running).AllowsUpdateTo(FirmwareVersion.Parse(candidate)));
        }

        [TestMethod]
        public void ToString_RoundTrips()
        {
            Assert.AreEqual("3.14.15", FirmwareVersion.Parse("v3.14.15").ToString());
        }
    }
}
