using System;
using IotDevice.Core.Updates;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Updates
{
    [TestClass]
    public class ContentRangeTests
    {
        [TestMethod]
        [DataRow("bytes 4096-1699999/1700000", 4096, 1700000)]
        [DataRow("  bytes 0-0/1 ", 0, 1)]
        [DataRow("bytes 1699999-1699999/1700000", 1699999, 1700000)]
        public void Response_ThatRunsToTheEnd_GivesTheCompleteLength(string value, int first, int complete)
        {
            Assert.AreEqual(complete, ContentRange.CompleteLength(value, first));
        }

        [TestMethod]
        [DataRow("bytes 0-1699999/1700000", 4096)]
        [DataRow("bytes 4096-8191/1700000", 4096)]
        [DataRow("bytes 4096-1699999/*", 4096)]
        [DataRow("bytes */1700000", 4096)]
        [DataRow("items 4096-1699999/1700000", 4096)]
        [DataRow("bytes +4096-1699999/1700000", 4096)]
        [DataRow("bytes 4096-1699999/99999999999", 4096)]
        [DataRow("bytes 4096-1699999/", 4096)]
        [DataRow("", 4096)]
        public void Response_ThatStartsElsewhere_EndsEarly_OrIsMalformed_IsRefused(string value, int first)
        {
            Assert.AreEqual(-1, ContentRange.CompleteLength(value, first));
        }

        [TestMethod]
        public void NoHeader_IsRefused()
        {
            Assert.AreEqual(-1, ContentRange.CompleteLength(null, 0));
        }
    }
}
