using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Messaging
{
    [TestClass]
    public class StatusReportTests
    {
        [TestMethod]
        public void Payload_IsTheContractsLayout()
        {
            StatusReport s = new StatusReport();
            s.State = "online";
            s.Version = "1.2.3";
            s.Slot = 1;
            s.Serial = "00ab";
            s.NotAfter = "2026-06-01T00:00:00Z";
            s.Renewal = "renewed";
            s.Ota = "none";
            s.Dropped = 3;
            s.Takeovers = 2;

            Assert.AreEqual("iotdevice-status-v1\nstate=online\nversion=1.2.3\nslot=1\nserial=00ab\nnot-after=2026-06-01T00:00:00Z\nrenewal=renewed\nota=none\ndropped=3\ntakeovers=2\n",
                Utf8.GetString(s.ToBytes()));
            StatusReport back = StatusReport.Parse(s.ToBytes());
            Assert.AreEqual("online", back.State);
            Assert.AreEqual(1, back.Slot);
            Assert.AreEqual(3, back.Dropped);
            Assert.AreEqual(2, back.Takeovers);
            Assert.AreEqual("00ab", back.Serial);
        }

        [TestMethod]
        public void Parse_RejectsAnUnknownState()
        {
            StatusReport s = new StatusReport();
            s.State = "sleeping";
            Assert.ThrowsException(typeof(TextRecordException), () => StatusReport.Parse(s.ToBytes()));
        }
    }
}
