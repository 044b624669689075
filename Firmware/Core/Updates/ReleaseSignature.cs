using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The release signature of contracts.md: <c>manifest.sig</c> next to <c>manifest.txt</c>, an ECDSA
    /// P-256 / SHA-256 signature in DER (RFC 3279 Ecdsa-Sig-Value; .NET <c>DSASignatureFormat.Rfc3279DerSequence</c>)
    /// over the exact bytes of the manifest, under the release key whose SubjectPublicKeyInfo PEM the device
    /// holds in NVS <c>rel_pubkey</c>. The check itself is the platform's (<see cref="ICrypto"/>); this class
    /// only frames it: strict DER, the key's form, the signature's URL, and verify-before-parse.
    /// Threat: whoever can publish a command, run the firmware server, or sit on the network can offer any
    /// manifest; only a holder of the release private key can make one the device accepts. The signed bytes
    /// carry the "iotdevice-release-v1" header, so no other signed text of the fleet (a renewal PoP) can pass as one.
    /// </summary>
    public static class ReleaseSignature
    {
        /// <summary>PEM label of <c>rel_pubkey</c> and <c>release.pub.pem</c>.</summary>
        public const string PublicKeyLabel = "PUBLIC KEY";

        /// <summary>Largest DER P-256 signature: SEQUENCE(2) + 2 × INTEGER(2 + 33).</summary>
        public const int MaxDerLength = 72;

        /// <summary>
        /// Where the signature of the manifest at <paramref name="manifestUrl"/> lives: a trailing ".txt"
        /// becomes ".sig" (<c>…/manifest.txt</c> → <c>…/manifest.sig</c>), otherwise ".sig" is appended.
        /// </summary>
        public static string SignatureUrl(string manifestUrl)
        {
            if (manifestUrl == null)
                throw new ArgumentNullException("manifestUrl");
            int n = manifestUrl.Length;
            if (n > 4 && manifestUrl[n - 4] == '.' && manifestUrl[n - 3] == 't' && manifestUrl[n - 2] == 'x' && manifestUrl[n - 1] == 't')
                return manifestUrl.Substring(0, n - 4) + ".sig";
            return manifestUrl + ".sig";
        }

        /// <summary>
        /// True when <paramref name="der"/> is exactly SEQUENCE { INTEGER r, INTEGER s } in DER: short lengths,
        /// minimal positive integers of 1..32 value bytes (33 with the 0x00 sign byte), nothing after it, and
        /// neither integer zero. Threat: refusing every other spelling before the platform sees it means no
        /// BER variant of a valid signature is accepted (signature malleability) and the native parser only
        /// ever gets well-formed input.
        /// </summary>
        public static bool IsStrictDer(byte[] der)
        {
            if (der == null || der.Length < 8 || der.Length > MaxDerLength)
                return false;
            if (der[0] != 0x30 || der[1] != der.Length - 2)
                return false;
            int at = 2;
            int end;
            if (!StrictInteger(der, at, out end))
                return false;
            if (!StrictInteger(der, end, out end))
                return false;
            return end == der.Length;
        }

        private static bool StrictInteger(byte[] der, int at, out int end)
        {
            end = at;
            if (at + 2 > der.Length || der[at] != 0x02)
                return false;
            int length = der[at + 1];
            if (length < 1 || length > 33 || at + 2 + length > der.Length)
                return false;
            int v = at + 2;
            if ((der[v] & 0x80) != 0)
                return false; // negative
            if (length > 1 && der[v] == 0 && (der[v + 1] & 0x80) == 0)
                return false; // non-minimal leading zero
            if (length == 33 && der[v] != 0)
                return false; // more than 256 bits
            bool zero = true;
            for (int i = v; i < v + length; i++)
            {
                if (der[i] != 0)
                {
                    zero = false;
                    break;
                }
            }
            if (zero)
                return false;
            end = v + length;
            return true;
        }

        /// <summary>The 64-byte r‖s form of a strict DER signature (for platforms whose verifier wants raw); throws <see cref="ReleaseManifestException"/> (BadSignature) otherwise.</summary>
        public static byte[] DerToRaw(byte[] der)
        {
            if (!IsStrictDer(der))
                throw new ReleaseManifestException(ManifestRejection.BadSignature, "signature is not a strict DER ECDSA P-256 signature");
            byte[] raw = new byte[64];
            int at = 2;
            for (int k = 0; k < 2; k++)
            {
                int length = der[at + 1];
                int v = at + 2;
                int skip = length == 33 ? 1 : 0;
                int count = length - skip;
                Array.Copy(der, v + skip, raw, 32 * k + 32 - count, count);
                at = v + length;
            }
            return raw;
        }

        /// <summary>The strict DER form of a 64-byte r‖s signature.</summary>
        public static byte[] RawToDer(byte[] raw)
        {
            if (raw == null || raw.Length != 64)
                throw new ArgumentException("a raw P-256 signature is 64 bytes");
            byte[] r = MinimalInteger(raw, 0);
            byte[] s = MinimalInteger(raw, 32);
            byte[] der = new byte[2 + 2 + r.Length + 2 + s.Length];
            der[0] = 0x30;
            der[1] = (byte)(der.Length - 2);
            der[2] = 0x02;
            der[3] = (byte)r.Length;
            Array.Copy(r, 0, der, 4, r.Length);
            der[4 + r.Length] = 0x02;
            der[5 + r.Length] = (byte)s.Length;
            Array.Copy(s, 0, der, 6 + r.Length, s.Length);
            return der;
        }

        private static byte[] MinimalInteger(byte[] raw, int offset)
        {
            int first = offset;
            while (first < offset + 31 && raw[first] == 0)
                first++;
            int count = offset + 32 - first;
            bool pad = (raw[first] & 0x80) != 0;
            byte[] value = new byte[count + (pad ? 1 : 0)];
            Array.Copy(raw, first, value, pad ? 1 : 0, count);
            return value;
        }

        /// <summary>
        /// The SubjectPublicKeyInfo DER of the release key from its PEM (<c>rel_pubkey</c>); it must be an EC
        /// P-256 key (id-ecPublicKey, prime256v1, uncompressed point). Throws <see cref="ReleaseManifestException"/> (BadSignature) otherwise.
        /// Threat: a mis-provisioned key (another curve, a certificate, garbage) must stop every update loudly
        /// rather than be handed to the verifier in a form it might interpret differently.
        /// </summary>
        public static byte[] PublicKeyFromPem(string pem)
        {
            byte[] spki;
            try
            {
                spki = Pem.Decode(pem, PublicKeyLabel);
                DerReader outer = new DerReader(spki);
                DerReader seq = outer.ReadSequence();
                if (outer.HasMore)
                    throw new DerFormatException("data after the SubjectPublicKeyInfo");
                DerReader alg = seq.ReadSequence();
                if (alg.ReadOid() != Oids.EcPublicKey || alg.ReadOid() != Oids.Prime256v1 || alg.HasMore)
                    throw new DerFormatException("the release key is not an EC P-256 key");
                byte[] point = seq.ReadBitStringBytes();
                if (seq.HasMore || point.Length != 65 || point[0] != 0x04)
                    throw new DerFormatException("the release key is not an uncompressed P-256 point");
            }
            catch (DerFormatException ex)
            {
                throw new ReleaseManifestException(ManifestRejection.BadSignature, "release public key: " + ex.Message);
            }
            return spki;
        }

        /// <summary>True when <paramref name="signature"/> is a strict DER signature of exactly <paramref name="manifest"/> under <paramref name="publicKeySpki"/>.</summary>
        public static bool Verify(ICrypto crypto, byte[] publicKeySpki, byte[] manifest, byte[] signature)
        {
            if (crypto == null)
                throw new ArgumentNullException("crypto");
            if (publicKeySpki == null || manifest == null || manifest.Length == 0 || manifest.Length > ReleaseManifest.MaxBytes)
                return false;
            if (!IsStrictDer(signature))
                return false;
            return crypto.VerifyEcdsaP256Sha256(publicKeySpki, manifest, 0, manifest.Length, signature);
        }

        /// <summary>
        /// Verifies, then parses. Threat: the parser only ever sees bytes the release key signed, so a
        /// forged manifest cannot even reach it; a signed but malformed one is still refused by name.
        /// </summary>
        public static ReleaseManifest VerifyAndParse(ICrypto crypto, byte[] publicKeySpki, byte[] manifest, byte[] signature)
        {
            if (!Verify(crypto, publicKeySpki, manifest, signature))
                throw new ReleaseManifestException(ManifestRejection.BadSignature, "manifest signature does not verify under the release key");
            return ReleaseManifest.Parse(manifest);
        }
    }
}
