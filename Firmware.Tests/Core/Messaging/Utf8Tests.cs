using System;
using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Messaging
{
    [TestClass]
    public class Utf8Tests
    {
        [TestMethod]
        public void RoundTrips_AsciiAndMultiByte()
        {
            string text = "a\u00e9\u20ac\ud83d\ude00z";
            byte[] bytes = Utf8.GetBytes(text);
            Assert.AreEqual(1 + 2 + 3 + 4 + 1, bytes.Length);
            Assert.AreEqual(0xE2, (int)bytes[3]);
            Assert.AreEqual(text, Utf8.GetString(bytes));
        }

        [TestMethod]
        [DataRow("c0af")]
        [DataRow("e080af")]
        [DataRow("eda080")]
        [DataRow("e282")]
        [DataRow("80")]
        [DataRow("f880808080")]
        [DataRow("f4908080")]
        public void Decoder_RejectsMalformedUtf8(string hex)
        {
            byte[] bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)Convert.ToInt32(hex.Substring(2 * i, 2), 16);
            Assert.ThrowsException(typeof(FormatException), () => Utf8.GetString(bytes));
        }
    }
}
