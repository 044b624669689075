using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Messaging
{
    [TestClass]
    public class WifiCommandTests
    {
        [TestMethod]
        public void RoundTrips_SsidAndPassphrase()
        {
            string ssid;
            string pass;
            Assert.IsTrue(WifiCommand.TryParse(WifiCommand.Build("plant-3 floor", "correct horse battery"), out ssid, out pass));
            Assert.AreEqual("plant-3 floor", ssid);
            Assert.AreEqual("correct horse battery", pass);
        }

        [TestMethod]
        public void OpenNetwork_HasAnEmptyPassphrase()
        {
            string ssid;
            string pass;
            Assert.IsTrue(WifiCommand.TryParse(Utf8.GetBytes("iotdevice-command-v1\nkind=wifi\nssid=guest\npass=\n"), out ssid, out pass));
            Assert.AreEqual("guest", ssid);
            Assert.AreEqual("", pass);
        }

        [TestMethod]
        [DataRow("iotdevice-command-v1\nkind=wifi\nssid=\npass=12345678\n")]
        [DataRow("iotdevice-command-v1\nkind=wifi\nssid=123456789012345678901234567890123\npass=12345678\n")]
        [DataRow("iotdevice-command-v1\nkind=wifi\nssid=net\npass=1234567\n")]
        [DataRow("iotdevice-command-v1\nkind=wifi\nssid=net\n")]
        [DataRow("iotdevice-command-v1\nkind=ota\nssid=net\npass=12345678\n")]
        [DataRow("iotdevice-command-v1\nkind=wifi\npass=12345678\nssid=net\n")]
        [DataRow("iotdevice-command-v1\nkind=ota\nmanifest=https://localhost:18443/releases/1.1.0/manifest.txt\n")]
        public void AnythingElse_IsNotAWifiCommand(string text)
        {
            string ssid;
            string pass;
            Assert.IsFalse(WifiCommand.TryParse(Utf8.GetBytes(text), out ssid, out pass));
            Assert.IsNull(ssid);
        }

        [TestMethod]
        public void WifiCommand_IsNoOtaCommand()
        {
            Assert.IsNull(OtaCommand.TryGetManifestUrl(WifiCommand.Build("net", "12345678")));
        }
    }
}
