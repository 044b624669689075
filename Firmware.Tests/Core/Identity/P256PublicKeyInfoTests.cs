using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Identity
{
    [TestClass]
    public class P256PublicKeyInfoTests
    {
        // `openssl ec -pubout -outform DER` of a fresh prime256v1 key: the SPKI and, at offset 26, its point
        private const string OpenSslSpki =
            "3059301306072a8648ce3d020106082a8648ce3d03010703420004ec0b74bf162cd339472d558af84e3a3471f99cfed7ef58c3cae46e01da26e2f3ac29cec9f0bc7f7526c285348d0dd6f772d96bc59dd333eb0b665dc21dd8a15f";

        private static byte[] FromHex(string hex)
        {
            byte[] bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)Convert.ToInt32(hex.Substring(2 * i, 2), 16);
            return bytes;
        }

        [TestMethod]
        public void Point_BecomesTheSpkiOpenSslWrites()
        {
            byte[] spki = FromHex(OpenSslSpki);
            byte[] point = new byte[65];
            Array.Copy(spki, 26, point, 0, 65);
            Assert.AreEqual(OpenSslSpki, Hex.ToLower(P256PublicKeyInfo.FromUncompressedPoint(point)));
        }

        [TestMethod]
        [DataRow(64, 4)]
        [DataRow(66, 4)]
        [DataRow(65, 2)]
        [DataRow(65, 3)]
        public void NotAnUncompressedPoint_IsRefused(int length, int first)
        {
            byte[] point = new byte[length];
            point[0] = (byte)first;
            Assert.ThrowsException(typeof(ArgumentException), () => P256PublicKeyInfo.FromUncompressedPoint(point));
        }
    }
}
