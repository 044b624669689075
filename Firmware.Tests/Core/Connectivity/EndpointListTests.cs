using System;
using IotDevice.Core.Connectivity;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Connectivity
{
    [TestClass]
    public class EndpointListTests
    {
        [TestMethod]
        public void Parses_AndRotatesThroughTheNodes()
        {
            EndpointList list = EndpointList.Parse("broker-a.example:8883,10.0.0.2:18883,localhost:1");
            Assert.AreEqual(3, list.Count);
            Assert.AreEqual("broker-a.example", list.CurrentHost);
            Assert.AreEqual(8883, list.CurrentPort);
            list.MoveNext();
            Assert.AreEqual("10.0.0.2", list.CurrentHost);
            Assert.AreEqual(18883, list.CurrentPort);
            list.MoveNext();
            list.MoveNext();
            Assert.AreEqual(0, list.CurrentIndex);
            Assert.AreEqual("localhost:1", list.Describe(2));
        }

        [TestMethod]
        [DataRow("", "empty")]
        [DataRow("a:1,", "endpoint 2 '' is empty")]
        [DataRow("broker", "port is missing")]
        [DataRow(":8883", "host is empty")]
        [DataRow("broker:", "port is empty")]
        [DataRow("broker:88a3", "not a number")]
        [DataRow("broker:0", "out of range")]
        [DataRow("broker:65536", "out of range")]
        [DataRow("broker:123456", "out of range")]
        [DataRow("::1:8883", "IPv6")]
        [DataRow("bro ker:8883", "character ' '")]
        [DataRow("broker_1:8883", "character '_'")]
        [DataRow(".broker:8883", "not a valid name")]
        [DataRow("a..b:8883", "not a valid name")]
        [DataRow("a:1,a:1", "listed twice")]
        [DataRow("a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1", "at most 8")]
        public void Rejects_WithAClearReason(string text, string reason)
        {
            try
            {
                EndpointList.Parse(text);
            }
            catch (ArgumentException ex)
            {
                Assert.Contains(reason, ex.Message);
                return;
            }
            Assert.IsTrue(false, "'" + text + "' was accepted");
        }

        [TestMethod]
        public void Null_IsRejected()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => EndpointList.Parse(null));
        }
    }
}
