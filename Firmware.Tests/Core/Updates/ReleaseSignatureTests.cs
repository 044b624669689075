using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using IotDevice.Tests.Core.Fakes;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Updates
{
    /// <summary>
    /// The release signature framing. <see cref="PublicKey"/> and <see cref="Signature"/> are a REAL P-256 key
    /// and signature made with OpenSSL 3.0 (`openssl dgst -sha256 -sign`, checked with `-verify`) over the
    /// exact bytes of <see cref="ManifestSamples.ValidText"/>; the private key was not kept. The verification
    /// itself is the platform's: FakeCrypto accepts exactly that triple (the tooling tests verify with real crypto).
    /// </summary>
    [TestClass]
    public class ReleaseSignatureTests
    {
        public const string PublicKey =
            "-----BEGIN PUBLIC KEY-----\n"
            + "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgd6nsEk2nC/cj07CFxNCAXsc30yl\n"
            + "PFdlI7EDUrok93CmggzljrC1EoGCOMQWiF/acC9MLAx4X2LKrN1x+7yKJw==\n"
            + "-----END PUBLIC KEY-----\n";

        public const string Signature = "MEQCIExW+o7IQxOeSjQ+GyvolFT4WxLP56HOPlVQHvIIv/iHAiB/bgagHyl+aylgDzBsM5r0TgKaArrg9hxRhxuhFCF1yw==";

        private static FakeCrypto CryptoThatKnowsTheVector(out byte[] spki, out byte[] manifest, out byte[] signature)
        {
            spki = ReleaseSignature.PublicKeyFromPem(PublicKey);
            manifest = Utf8.GetBytes(ManifestSamples.ValidText());
            signature = Pem.FromBase64(Signature);
            FakeCrypto crypto = new FakeCrypto();
            crypto.AllowSignature(spki, manifest, signature);
            return crypto;
        }

        [TestMethod]
        public void VerifyAndParse_AcceptsTheSignedManifest()
        {
            byte[] spki;
            byte[] manifest;
            byte[] signature;
            FakeCrypto crypto = CryptoThatKnowsTheVector(out spki, out manifest, out signature);
            Assert.AreEqual(91, spki.Length);
            Assert.IsTrue(ReleaseSignature.IsStrictDer(signature));
            ReleaseManifest m = ReleaseSignature.VerifyAndParse(crypto, spki, manifest, signature);
            Assert.AreEqual("1.4.0", m.Version);
            Assert.AreEqual(1, crypto.VerifyCalls);
        }

        [TestMethod]
        public void VerifyAndParse_RefusesAChangedManifest_BeforeParsingIt()
        {
            byte[] spki;
            byte[] manifest;
            byte[] signature;
            FakeCrypto crypto = CryptoThatKnowsTheVector(out spki, out manifest, out signature);
            byte[] changed = Utf8.GetBytes(ManifestSamples.WithValue("secure-version", "3"));
            Assert.AreEqual((int)ManifestRejection.BadSignature, (int)RejectionOf(crypto, spki, changed, signature));
            // Even garbage is refused for its signature, never reaching the parser.
            Assert.AreEqual((int)ManifestRejection.BadSignature, (int)RejectionOf(crypto, spki, new byte[] { 1, 2, 3 }, signature));
            Assert.AreEqual((int)ManifestRejection.BadSignature, (int)RejectionOf(crypto, spki, new byte[0], signature));
            Assert.AreEqual((int)ManifestRejection.BadSignature, (int)RejectionOf(crypto, spki, null, signature));
            Assert.AreEqual((int)ManifestRejection.BadSignature, (int)RejectionOf(crypto, spki, manifest, null));
        }

        [TestMethod]
        public void Verify_RefusesNonStrictDer_WithoutCallingThePlatform()
        {
            byte[] spki;
            byte[] manifest;
            byte[] signature;
            FakeCrypto crypto = CryptoThatKnowsTheVector(out spki, out manifest, out signature);
            byte[][] variants = new byte[][]
            {
                Concat(signature, new byte[] { 0 }),                             // trailing byte
                LongFormLength(signature),                                       // 30 81 44 ...
                PaddedR(signature),                                              // r with a needless 00
                Truncated(signature, signature.Length - 1),
                new byte[] { 0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01 },   // r = 0
                new byte[] { 0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01 },   // r negative
                new byte[] { 0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },   // SET, not SEQUENCE
                new byte[0],
                new byte[73]
            };
            for (int i = 0; i < variants.Length; i++)
            {
                Assert.IsFalse(ReleaseSignature.IsStrictDer(variants[i]), "variant " + i.ToString());
                Assert.IsFalse(ReleaseSignature.Verify(crypto, spki, manifest, variants[i]), "variant " + i.ToString());
            }
            Assert.AreEqual(0, crypto.VerifyCalls);
            Assert.IsTrue(ReleaseSignature.IsStrictDer(new byte[] { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x7f }));
        }

        [TestMethod]
        public void DerAndRaw_RoundTrip()
        {
            byte[] signature = Pem.FromBase64(Signature);
            byte[] raw = ReleaseSignature.DerToRaw(signature);
            Assert.AreEqual(64, raw.Length);
            Assert.AreEqual((byte)0x4c, raw[0]);
            Assert.AreEqual((byte)0x7f, raw[32]);
            byte[] der = ReleaseSignature.RawToDer(raw);
            Assert.AreEqual(signature.Length, der.Length);
            for (int i = 0; i < der.Length; i++)
                Assert.AreEqual(signature[i], der[i]);

            // High bit set (33-byte INTEGER) and short values (leading zero bytes dropped).
            byte[] odd = new byte[64];
            odd[0] = 0x80;
            odd[31] = 0x01;
            odd[63] = 0x05;
            byte[] oddDer = ReleaseSignature.RawToDer(odd);
            Assert.IsTrue(ReleaseSignature.IsStrictDer(oddDer));
            Assert.AreEqual(2 + 2 + 33 + 2 + 1, oddDer.Length);
            byte[] back = ReleaseSignature.DerToRaw(oddDer);
            for (int i = 0; i < 64; i++)
                Assert.AreEqual(odd[i], back[i]);
            Assert.ThrowsException(typeof(ReleaseManifestException), () => ReleaseSignature.DerToRaw(new byte[] { 0x30, 0x00 }));
        }

        [TestMethod]
        public void PublicKeyFromPem_RefusesOtherKeysAndLabels()
        {
            Assert.ThrowsException(typeof(ReleaseManifestException), () => ReleaseSignature.PublicKeyFromPem(""));
            Assert.ThrowsException(typeof(ReleaseManifestException), () => ReleaseSignature.PublicKeyFromPem(
                "-----BEGIN CERTIFICATE-----\n" + TestPki.RootCa + "\n-----END CERTIFICATE-----\n"));
            // A certificate's DER under the right label is not a SubjectPublicKeyInfo.
            Assert.ThrowsException(typeof(ReleaseManifestException), () => ReleaseSignature.PublicKeyFromPem(
                "-----BEGIN PUBLIC KEY-----\n" + TestPki.RootCa + "\n-----END PUBLIC KEY-----\n"));
        }

        [TestMethod]
        public void SignatureUrl_SitsBesideTheManifest()
        {
            Assert.AreEqual("https://localhost:18443/releases/1.4.0/manifest.sig", ReleaseSignature.SignatureUrl("https://localhost:18443/releases/1.4.0/manifest.txt"));
            Assert.AreEqual("https://h/m.sig", ReleaseSignature.SignatureUrl("https://h/m"));
        }

        private static ManifestRejection RejectionOf(FakeCrypto crypto, byte[] spki, byte[] manifest, byte[] signature)
        {
            try
            {
                ReleaseSignature.VerifyAndParse(crypto, spki, manifest, signature);
            }
            catch (ReleaseManifestException ex)
            {
                return ex.Reason;
            }
            return ManifestRejection.None;
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            byte[] c = new byte[a.Length + b.Length];
            Array.Copy(a, c, a.Length);
            Array.Copy(b, 0, c, a.Length, b.Length);
            return c;
        }

        private static byte[] Truncated(byte[] a, int n)
        {
            byte[] c = new byte[n];
            Array.Copy(a, c, n);
            return c;
        }

        private static byte[] LongFormLength(byte[] sig)
        {
            byte[] c = new byte[sig.Length + 1];
            c[0] = 0x30;
            c[1] = 0x81;
            c[2] = sig[1];
            Array.Copy(sig, 2, c, 3, sig.Length - 2);
            return c;
        }

        private static byte[] PaddedR(byte[] sig)
        {
            // 30 L 02 rl r... -> 30 L+1 02 rl+1 00 r...
            byte[] c = new byte[sig.Length + 1];
            c[0] = 0x30;
            c[1] = (byte)(sig[1] + 1);
            c[2] = 0x02;
            c[3] = (byte)(sig[3] + 1);
            c[4] = 0x00;
            Array.Copy(sig, 4, c, 5, sig.Length - 4);
            return c;
        }
    }
}
