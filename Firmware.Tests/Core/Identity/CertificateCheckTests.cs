using System;
using IotDevice.Core.Identity;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Identity
{
    [TestClass]
    public class CertificateCheckTests
    {
        private static readonly DateTime Now = new DateTime(2026, 5, 15, 12, 0, 0);

        private static CertificateCheck NewCheck()
        {
            FakeCrypto crypto = new FakeCrypto();
            TestPki.RegisterSignatures(crypto);
            return new CertificateCheck(crypto, new X509Certificate[] { X509Certificate.Parse(TestPki.Der(TestPki.RootCa)) });
        }

        private static CertificateRejection Check(string leaf, string issuing, string deviceId, string key, DateTime now)
        {
            return NewCheck().Check(TestPki.Der(leaf), TestPki.Der(issuing), deviceId, TestPki.Der(key), now);
        }

        private static void AssertRejection(CertificateRejection expected, CertificateRejection actual)
        {
            Assert.AreEqual(CertificateCheck.Word(expected), CertificateCheck.Word(actual));
        }

        [TestMethod]
        public void GoodRenewal_IsAccepted()
        {
            CertificateCheck check = NewCheck();
            CertificateRejection r = check.Check(TestPki.Der(TestPki.LeafNew), TestPki.Der(TestPki.IssuingCa), TestPki.DeviceId, TestPki.Der(TestPki.Key2PublicKeyInfo), Now);
            AssertRejection(CertificateRejection.None, r);
            Assert.AreEqual(TestPki.LeafNewSerial, check.Leaf.SerialHex);
        }

        [TestMethod]
        public void SecondPinnedRoot_IsUsedDuringARotation()
        {
            FakeCrypto crypto = new FakeCrypto();
            TestPki.RegisterSignatures(crypto);
            CertificateCheck check = new CertificateCheck(crypto, new X509Certificate[]
            {
                X509Certificate.Parse(TestPki.Der(TestPki.OtherRootCa)),
                X509Certificate.Parse(TestPki.Der(TestPki.RootCa))
            });
            AssertRejection(CertificateRejection.None, check.Check(TestPki.Der(TestPki.LeafNew), TestPki.Der(TestPki.IssuingCa), TestPki.DeviceId, TestPki.Der(TestPki.Key2PublicKeyInfo), Now));
        }

        [TestMethod]
        public void AnotherCa_WithCopiedNames_IsUntrusted()
        {
            AssertRejection(CertificateRejection.UntrustedIssuer, Check(TestPki.LeafFromOtherCa, TestPki.OtherIssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, Now));
        }

        [TestMethod]
        public void LeafOfAnotherCa_WithTheRealIssuingCert_FailsItsSignature()
        {
            // Same issuer name, so the names chain, but the real issuing CA never signed it.
            AssertRejection(CertificateRejection.BadSignature, Check(TestPki.LeafFromOtherCa, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, Now));
        }

        [TestMethod]
        public void TamperedTbs_FailsTheSignature()
        {
            byte[] leaf = TestPki.Der(TestPki.LeafNew);
            X509Certificate parsed = X509Certificate.Parse(leaf);
            leaf[parsed.TbsOffset + 20] ^= 0x01; // inside the serial number
            CertificateRejection r = NewCheck().Check(leaf, TestPki.Der(TestPki.IssuingCa), TestPki.DeviceId, TestPki.Der(TestPki.Key2PublicKeyInfo), Now);
            AssertRejection(CertificateRejection.BadSignature, r);
        }

        [TestMethod]
        public void CommonNameOfAnotherDevice_IsRejected()
        {
            AssertRejection(CertificateRejection.CommonNameMismatch, Check(TestPki.LeafOtherDevice, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, Now));
            AssertRejection(CertificateRejection.CommonNameMismatch, Check(TestPki.LeafNew, TestPki.IssuingCa, "dev-0002", TestPki.Key2PublicKeyInfo, Now));
        }

        [TestMethod]
        public void KeyOtherThanTheNewKey_IsRejected()
        {
            AssertRejection(CertificateRejection.KeyMismatch, Check(TestPki.LeafNew, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key1PublicKeyInfo, Now));
        }

        [TestMethod]
        public void Expired_AndNotYetValid_AreRejected()
        {
            AssertRejection(CertificateRejection.Expired, Check(TestPki.LeafNew, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, new DateTime(2027, 5, 1, 0, 0, 1)));
            AssertRejection(CertificateRejection.NotYetValid, Check(TestPki.LeafNew, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, new DateTime(2026, 4, 30, 23, 59, 59)));
            AssertRejection(CertificateRejection.Expired, Check(TestPki.LeafNew, TestPki.IssuingCa, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, new DateTime(2035, 1, 2, 0, 0, 0)));
        }

        [TestMethod]
        public void IssuingCertificateThatIsNotACa_IsRejected()
        {
            AssertRejection(CertificateRejection.IssuerNotCa, Check(TestPki.LeafUnderNotCa, TestPki.NotCaIssuer, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, Now));
        }

        [TestMethod]
        public void LeafPresentedAsItsOwnIssuer_IsRejected()
        {
            AssertRejection(CertificateRejection.UntrustedIssuer, Check(TestPki.LeafNew, TestPki.LeafNew, TestPki.DeviceId, TestPki.Key2PublicKeyInfo, Now));
        }

        [TestMethod]
        public void Garbage_IsMalformed()
        {
            CertificateCheck check = NewCheck();
            AssertRejection(CertificateRejection.Malformed, check.Check(new byte[] { 0x30, 0x03, 0x02, 0x01 }, TestPki.Der(TestPki.IssuingCa), TestPki.DeviceId, TestPki.Der(TestPki.Key2PublicKeyInfo), Now));
            AssertRejection(CertificateRejection.Malformed, check.Check(TestPki.Der(TestPki.LeafNew), new byte[0], TestPki.DeviceId, TestPki.Der(TestPki.Key2PublicKeyInfo), Now));
            Assert.IsNull(check.Leaf);
        }
    }
}
