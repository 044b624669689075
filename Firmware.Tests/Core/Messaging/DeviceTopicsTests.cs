using System;
using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core
{
    [TestClass]
    public class DeviceTopicsTests
    {
        [TestMethod]
        public void Topics_AreUnderTheDevicesOwnTree()
        {
            DeviceTopics topics = new DeviceTopics("dev-0001");

            Assert.AreEqual("devices/dev-0001/telemetry", topics.Telemetry);
            Assert.AreEqual("devices/dev-0001/status", topics.Status);
            Assert.AreEqual("devices/dev-0001/commands", topics.Commands);
            Assert.AreEqual("devices/dev-0001/renew/request", topics.RenewRequest);
            Assert.AreEqual("devices/dev-0001/renew/response", topics.RenewResponse);
        }

        [TestMethod]
        [DataRow("devices/dev-0001/commands", true)]
        [DataRow("devices/dev-0002/commands", false)]
        [DataRow("devices/dev-00011/commands", false)]
        [DataRow("devices/dev-0001/", false)]
        [DataRow("devices/dev-0001", false)]
        [DataRow("x/devices/dev-0001/commands", false)]
        public void Owns_OnlyTopicsInsideTheTree(string topic, bool expected)
        {
            Assert.AreEqual(expected, new DeviceTopics("dev-0001").Owns(topic));
        }

        [TestMethod]
        [DataRow("dev/0001", "'/'")]
        [DataRow("dev+", "'+'")]
        [DataRow("dev#", "'#'")]
        [DataRow("dev.0001", "'.'")]
        [DataRow("Dev-0001", "'D'")]
        [DataRow("-dev", "start or end")]
        [DataRow("", "empty")]
        [DataRow("abcdefghijklmnopqrstuvwxyz0123456789", "longer than 32")]
        public void InvalidIds_AreRejectedWithTheReason(string id, string reason)
        {
            try
            {
                DeviceTopics.ValidateDeviceId(id);
            }
            catch (ArgumentException ex)
            {
                Assert.Contains(reason, ex.Message);
                return;
            }

            Assert.IsTrue(false, "id '" + id + "' was accepted");
        }

        [TestMethod]
        public void NullId_IsRejected()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => new DeviceTopics(null));
        }
    }
}
