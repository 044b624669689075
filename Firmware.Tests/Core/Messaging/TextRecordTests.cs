using System;
using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Messaging
{
    [TestClass]
    public class TextRecordTests
    {
        private static readonly TextRecordSchema Schema = new TextRecordSchema("test-record-v1", new string[] { "alpha", "beta", "gamma", "delta" }, 2, 200);

        private static byte[] Bytes(string text)
        {
            return Utf8.GetBytes(text);
        }

        private static TextRecordError ErrorOf(string text)
        {
            return ErrorOf(Bytes(text));
        }

        private static TextRecordError ErrorOf(byte[] payload)
        {
            try
            {
                TextRecord.Parse(Schema, payload);
            }
            catch (TextRecordException ex)
            {
                return ex.Error;
            }
            return TextRecordError.None;
        }

        [TestMethod]
        public void Writer_IsCanonical_AndRoundTrips()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("alpha", "1");
            r.Set("beta", "");
            r.Set("delta", "x=y z");
            byte[] bytes = r.ToBytes();

            Assert.AreEqual("test-record-v1\nalpha=1\nbeta=\ndelta=x=y z\n", Utf8.GetString(bytes));
            TextRecord back = TextRecord.Parse(Schema, bytes);
            Assert.AreEqual("1", back.Get("alpha"));
            Assert.AreEqual("", back.Get("beta"));
            Assert.IsNull(back.Get("gamma"));
            Assert.AreEqual("x=y z", back.Get("delta"));
        }

        [TestMethod]
        public void Writer_RefusesAMissingRequiredField_AndNonAsciiValues()
        {
            TextRecord r = new TextRecord(Schema);
            r.Set("alpha", "1");
            Assert.ThrowsException(typeof(InvalidOperationException), () => r.ToBytes());
            Assert.ThrowsException(typeof(ArgumentException), () => r.Set("beta", "a\nb"));
            Assert.ThrowsException(typeof(ArgumentException), () => r.Set("beta", "caf\u00e9"));
            Assert.ThrowsException(typeof(ArgumentException), () => r.Set("nope", "1"));
        }

        [TestMethod]
        [DataRow("other-record-v1\nalpha=1\nbeta=2\n", TextRecordError.UnknownHeader)]
        [DataRow("test-record-v2\nalpha=1\nbeta=2\n", TextRecordError.UnknownHeader)]
        [DataRow("test-record-v1\nalpha=1\n", TextRecordError.MissingField)]
        [DataRow("test-record-v1\nbeta=2\n", TextRecordError.MissingField)]
        [DataRow("test-record-v1\nalpha=1\nalpha=1\nbeta=2\n", TextRecordError.DuplicateField)]
        [DataRow("test-record-v1\nbeta=2\nalpha=1\n", TextRecordError.OutOfOrderField)]
        [DataRow("test-record-v1\nalpha=1\nbeta=2\ndelta=4\ngamma=3\n", TextRecordError.OutOfOrderField)]
        [DataRow("test-record-v1\nalpha=1\nbeta=2\nepsilon=5\n", TextRecordError.UnknownField)]
        [DataRow("test-record-v1\nalpha=1\r\nbeta=2\n", TextRecordError.BadCharacters)]
        [DataRow("test-record-v1\nalpha=1\tx\nbeta=2\n", TextRecordError.BadCharacters)]
        [DataRow("test-record-v1\nAlpha=1\nbeta=2\n", TextRecordError.BadCharacters)]
        [DataRow("test-record-v1\n=1\nbeta=2\n", TextRecordError.BadCharacters)]
        [DataRow("test-record-v1\nalpha=1\nbeta=2", TextRecordError.BadLine)]
        [DataRow("test-record-v1\nalpha=1\n\nbeta=2\n", TextRecordError.BadLine)]
        [DataRow("test-record-v1\nalpha\nbeta=2\n", TextRecordError.BadLine)]
        [DataRow("", TextRecordError.BadLine)]
        [DataRow("test-record-v1\nalpha=1\nbeta=2\n", TextRecordError.None)]
        public void Parser_NamesEachRejection(string text, TextRecordError expected)
        {
            Assert.AreEqual((int)expected, (int)ErrorOf(text));
        }

        [TestMethod]
        public void Parser_RejectsNonAsciiBytes()
        {
            Assert.AreEqual((int)TextRecordError.BadCharacters, (int)ErrorOf(new byte[] { (byte)'t', 0xC3, 0xA9, (byte)'\n' }));
            Assert.AreEqual((int)TextRecordError.BadCharacters, (int)ErrorOf(new byte[] { (byte)'t', 0x00, (byte)'\n' }));
        }

        [TestMethod]
        public void Parser_RejectsOversizeBeforeReadingIt()
        {
            byte[] big = new byte[201];
            for (int i = 0; i < big.Length; i++)
                big[i] = (byte)'a';
            Assert.AreEqual((int)TextRecordError.Oversize, (int)ErrorOf(big));
        }

        [TestMethod]
        public void Parser_RejectsNullPayload()
        {
            Assert.AreEqual((int)TextRecordError.BadLine, (int)ErrorOf((byte[])null));
        }

        [TestMethod]
        public void Schema_RejectsBadDefinitions()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => new TextRecordSchema("h", new string[] { "a", "a" }, 1, 10));
            Assert.ThrowsException(typeof(ArgumentException), () => new TextRecordSchema("h", new string[] { "A" }, 1, 10));
            Assert.ThrowsException(typeof(ArgumentOutOfRangeException), () => new TextRecordSchema("h", new string[] { "a" }, 2, 10));
        }
    }
}
