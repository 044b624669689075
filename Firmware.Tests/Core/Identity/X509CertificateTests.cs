using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Identity
{
    [TestClass]
    public class X509CertificateTests
    {
        [TestMethod]
        public void Leaf_FieldsAreRead()
        {
            X509Certificate c = X509Certificate.Parse(TestPki.Der(TestPki.Leaf));

            Assert.AreEqual(TestPki.LeafSerial, c.SerialHex); // the DER INTEGER's leading 00 is kept
            Assert.AreEqual("dev-0001", c.SubjectCommonName);
            Assert.AreEqual("IotDevice Test Issuing", c.IssuerCommonName);
            Assert.AreEqual(new DateTime(2025, 6, 1, 0, 0, 0), c.NotBefore);
            Assert.AreEqual(new DateTime(2026, 6, 1, 0, 0, 0), c.NotAfter);
            Assert.IsTrue(c.IsEcdsaWithSha256);
            Assert.IsTrue(c.IsEcP256Key);
            Assert.IsTrue(c.HasBasicConstraints);
            Assert.IsFalse(c.IsCa);
            Assert.AreEqual(X509Certificate.KeyUsageDigitalSignature, c.KeyUsage);
            Assert.IsTrue(c.AllowsClientAuth);
            Assert.IsFalse(c.HasUnknownCriticalExtension);
            Assert.AreEqual(Convert.ToBase64String(TestPki.Der(TestPki.Key1PublicKeyInfo)), Convert.ToBase64String(c.SubjectPublicKeyInfo));
            Assert.AreEqual(65, c.PublicKey.Length);
            Assert.AreEqual(0x30, (int)c.Signature[0]); // DER Ecdsa-Sig-Value
            Assert.AreEqual(0x30, (int)c.Der[c.TbsOffset]);
            Assert.AreEqual(4, c.TbsOffset); // outer SEQUENCE 30 82 01 68, then the TBS
        }

        [TestMethod]
        public void Cas_AreRecognised()
        {
            X509Certificate root = X509Certificate.Parse(TestPki.Der(TestPki.RootCa));
            X509Certificate issuing = X509Certificate.Parse(TestPki.Der(TestPki.IssuingCa));
            X509Certificate notCa = X509Certificate.Parse(TestPki.Der(TestPki.NotCaIssuer));

            Assert.IsTrue(root.IsCa);
            Assert.IsTrue(issuing.IsCa);
            Assert.AreEqual("1001", issuing.SerialHex);
            Assert.AreEqual(X509Certificate.KeyUsageKeyCertSign, issuing.KeyUsage & X509Certificate.KeyUsageKeyCertSign);
            Assert.IsFalse(notCa.IsCa);
            Assert.IsTrue(X509Certificate.SameBytes(root.SubjectName, issuing.IssuerName));
            Assert.AreEqual("IotDevice Test Root", root.SubjectCommonName);
        }

        [TestMethod]
        public void EveryTruncation_IsTheNamedError()
        {
            byte[] der = TestPki.Der(TestPki.Leaf);
            for (int length = 0; length < der.Length; length++)
            {
                byte[] cut = new byte[length];
                Array.Copy(der, cut, length);
                try
                {
                    X509Certificate.Parse(cut);
                    Assert.IsTrue(false, "truncated to " + length.ToString() + " bytes was accepted");
                }
                catch (DerFormatException)
                {
                }
            }
        }

        [TestMethod]
        public void EveryCorruptedByte_ParsesOrIsTheNamedError()
        {
            // A hostile response may hold anything: no byte value at any position may crash the parser
            // (no IndexOutOfRange, no OutOfMemory, no other exception type).
            byte[] der = TestPki.Der(TestPki.Leaf);
            byte[] values = new byte[] { 0x00, 0x7F, 0x80, 0x81, 0x84, 0xFF };
            for (int i = 0; i < der.Length; i++)
            {
                for (int v = 0; v < values.Length; v++)
                {
                    byte[] bad = (byte[])der.Clone();
                    bad[i] = values[v];
                    try
                    {
                        X509Certificate.Parse(bad);
                    }
                    catch (DerFormatException)
                    {
                    }
                }
            }
        }

        [TestMethod]
        public void TrailingBytes_AreRejected()
        {
            byte[] der = TestPki.Der(TestPki.Leaf);
            byte[] longer = new byte[der.Length + 1];
            Array.Copy(der, longer, der.Length);
            Assert.ThrowsException(typeof(DerFormatException), () => X509Certificate.Parse(longer));
            Assert.ThrowsException(typeof(DerFormatException), () => X509Certificate.Parse(new byte[0]));
            Assert.ThrowsException(typeof(DerFormatException), () => X509Certificate.Parse(null));
        }

        [TestMethod]
        public void Pem_RoundTrips_AndFindsEveryBlockOfABundle()
        {
            string pem = TestPki.PemOf(TestPki.RootCa) + TestPki.PemOf(TestPki.OtherRootCa);
            Assert.StartsWith("-----BEGIN CERTIFICATE-----\nMIIBVDCB", pem);
            byte[][] all = Pem.DecodeAll(pem, Pem.CertificateLabel);
            Assert.AreEqual(2, all.Length);
            Assert.AreEqual(TestPki.RootCa, Convert.ToBase64String(all[0]));
            Assert.AreEqual(TestPki.OtherRootCa, Convert.ToBase64String(all[1]));
            string crlf = "";
            for (int i = 0; i < pem.Length; i++)
                crlf = crlf + (pem[i] == '\n' ? "\r\n" : pem[i].ToString());
            Assert.AreEqual(TestPki.RootCa, Convert.ToBase64String(Pem.Decode(crlf, Pem.CertificateLabel)));
        }

        [TestMethod]
        [DataRow("no pem here")]
        [DataRow("-----BEGIN CERTIFICATE-----\nMIIB\n")]
        [DataRow("-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n")]
        [DataRow("-----BEGIN CERTIFICATE-----\nMIIBV\n-----END CERTIFICATE-----\n")]
        [DataRow("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")]
        public void BadPem_IsTheNamedError(string pem)
        {
            Assert.ThrowsException(typeof(DerFormatException), () => Pem.Decode(pem, Pem.CertificateLabel));
        }

        [TestMethod]
        [DataRow("", false)]
        [DataRow("QUJD", true)]
        [DataRow("QUI=", true)]
        [DataRow("QQ==", true)]
        [DataRow("QUJ", false)]
        [DataRow("Q=JD", false)]
        [DataRow("QU I", false)]
        [DataRow("Q=Q=", false)]
        public void StrictBase64(string text, bool valid)
        {
            Assert.AreEqual(valid, Pem.FromBase64(text) != null);
        }

        [TestMethod]
        public void UtcTime_FormatAndParse()
        {
            DateTime t = new DateTime(2026, 2, 3, 4, 5, 6);
            Assert.AreEqual("2026-02-03T04:05:06Z", UtcTime.Format(t));
            DateTime back;
            Assert.IsTrue(UtcTime.TryParse("2026-02-03T04:05:06Z", out back));
            Assert.AreEqual(t, back);
            Assert.IsFalse(UtcTime.TryParse("2026-02-30T04:05:06Z", out back));
            Assert.IsFalse(UtcTime.TryParse("2026-02-03 04:05:06Z", out back));
            Assert.IsFalse(UtcTime.TryParse("2026-02-03T04:05:06", out back));
            Assert.IsFalse(UtcTime.TryParse("1500-02-03T04:05:06Z", out back));
        }
    }
}
