using System;
using IotDevice.Core.Identity;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Identity
{
    [TestClass]
    public class DerReaderTests
    {
        private static byte[] B(string hex)
        {
            byte[] bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)Convert.ToInt32(hex.Substring(2 * i, 2), 16);
            return bytes;
        }

        private static bool Rejects(string hex)
        {
            try
            {
                DerReader r = new DerReader(B(hex));
                while (r.HasMore)
                    r.Skip();
            }
            catch (DerFormatException)
            {
                return true;
            }
            return false;
        }

        [TestMethod]
        public void Reads_IntegersOidsBooleansAndTimes()
        {
            DerReader r = new DerReader(B("020200ff" + "06082a8648ce3d040302" + "0101ff" + "170d3236303630313030303030305a" + "180f32303530313233313233353935395a"));
            byte[] integer = r.ReadIntegerBytes();
            Assert.AreEqual(2, integer.Length);
            Assert.AreEqual(0xFF, (int)integer[1]);
            Assert.AreEqual("1.2.840.10045.4.3.2", r.ReadOid());
            Assert.IsTrue(r.ReadBoolean());
            Assert.AreEqual(new DateTime(2026, 6, 1, 0, 0, 0), r.ReadTime());
            Assert.AreEqual(new DateTime(2050, 12, 31, 23, 59, 59), r.ReadTime());
            Assert.IsFalse(r.HasMore);
        }

        [TestMethod]
        public void UtcTime_Pivots_At50()
        {
            Assert.AreEqual(1999, new DerReader(B("170d3939313233313233353935395a")).ReadTime().Year);
            Assert.AreEqual(2049, new DerReader(B("170d3439313233313233353935395a")).ReadTime().Year);
        }

        [TestMethod]
        public void GeneralizedTime_NoExpiry_IsClampedToTheDevicesMaximum()
        {
            Assert.AreEqual(new DateTime(3000, 12, 31, 23, 59, 59), new DerReader(B("180f39393939313233313233353935395a")).ReadTime());
        }

        [TestMethod]
        [DataRow("30")]                  // length missing
        [DataRow("3005020100")]          // length runs past the end
        [DataRow("30800201000000")]      // indefinite length
        [DataRow("308100")]              // non-minimal long form
        [DataRow("30820001ff")]          // non-minimal (leading zero byte)
        [DataRow("3084ffffffff")]        // 4 length bytes: too large
        [DataRow("3083ffffff")]          // huge length, little data
        [DataRow("1f0100")]              // high tag number
        [DataRow("0481")]                // truncated length bytes
        public void MalformedHeaders_AreRejectedWithTheNamedError(string hex)
        {
            Assert.IsTrue(Rejects(hex), hex);
        }

        [TestMethod]
        [DataRow("0200")]               // empty INTEGER
        [DataRow("02020001")]           // non-minimal positive
        [DataRow("0202ff80")]           // non-minimal negative
        public void BadIntegers_AreRejected(string hex)
        {
            Assert.ThrowsException(typeof(DerFormatException), () => new DerReader(B(hex)).ReadIntegerBytes());
        }

        [TestMethod]
        [DataRow("0600")]
        [DataRow("06022a86")]            // last arc not terminated
        [DataRow("0603802a01")]          // non-minimal arc
        [DataRow("06062affffffff7f")]     // arc above 28 bits
        public void BadOids_AreRejected(string hex)
        {
            Assert.ThrowsException(typeof(DerFormatException), () => new DerReader(B(hex)).ReadOid());
        }

        [TestMethod]
        [DataRow("170c3236303630313030303030305a")]     // wrong length
        [DataRow("170d323630363031303030303030")]      // no Z: only 12 bytes then... (length mismatch)
        [DataRow("170d3236303630313030303030302b")]     // '+' instead of Z
        [DataRow("170d3236313330313030303030305a")]     // month 13
        [DataRow("170d3236303233303030303030305a")]     // 30 February
        [DataRow("170d32363036303132353030303030")]     // hour 25, no Z
        [DataRow("170d3236303630314130303030305a")]     // non-digit
        [DataRow("0400")]                              // not a time at all
        public void BadTimes_AreRejected(string hex)
        {
            Assert.ThrowsException(typeof(DerFormatException), () => new DerReader(B(hex)).ReadTime());
        }

        [TestMethod]
        [DataRow("010100", false)]
        [DataRow("0101ff", true)]
        public void Booleans_AreDer(string hex, bool expected)
        {
            Assert.AreEqual(expected, new DerReader(B(hex)).ReadBoolean());
        }

        [TestMethod]
        public void NonDerBoolean_IsRejected()
        {
            Assert.ThrowsException(typeof(DerFormatException), () => new DerReader(B("010101")).ReadBoolean());
        }

        [TestMethod]
        public void ReadingPastTheEnd_IsTheNamedError()
        {
            DerReader r = new DerReader(B("0500"));
            r.ReadNull();
            Assert.ThrowsException(typeof(DerFormatException), () => r.Skip());
            Assert.ThrowsException(typeof(DerFormatException), () => new DerReader(null));
        }
    }
}
