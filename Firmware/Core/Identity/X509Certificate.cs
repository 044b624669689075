using System;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// A read-only view of an X.509 v3 certificate (DER) with just what the device decides on: the signed
    /// TBS bytes, serial, issuer/subject names and CNs, validity, public key, signature and its algorithm,
    /// basicConstraints, keyUsage and extendedKeyUsage. Parsing checks structure only; whether the
    /// certificate is acceptable is <see cref="CertificateCheck"/>'s decision. Any malformed input throws
    /// <see cref="DerFormatException"/> and nothing else.
    /// </summary>
    public sealed class X509Certificate
    {
        /// <summary>keyUsage bits as the first content byte of the BIT STRING holds them.</summary>
        public const int KeyUsageDigitalSignature = 0x80;
        public const int KeyUsageKeyCertSign = 0x04;

        private X509Certificate()
        {
        }

        public byte[] Der { get; private set; }

        /// <summary>Offset and length of tbsCertificate (header included) inside <see cref="Der"/>: the signed bytes.</summary>
        public int TbsOffset { get; private set; }

        public int TbsLength { get; private set; }

        /// <summary>Serial number as lower-case hex of the INTEGER's content bytes (a leading 00 kept), as README "Device protocols" spells it.</summary>
        public string SerialHex { get; private set; }

        /// <summary>DER of the issuer Name, compared byte for byte with the issuing certificate's subject.</summary>
        public byte[] IssuerName { get; private set; }

        public byte[] SubjectName { get; private set; }

        /// <summary>The single CN of the issuer, or null when there is none or more than one.</summary>
        public string IssuerCommonName { get; private set; }

        /// <summary>The single CN of the subject, or null when there is none or more than one (ambiguous names match nothing).</summary>
        public string SubjectCommonName { get; private set; }

        public DateTime NotBefore { get; private set; }

        public DateTime NotAfter { get; private set; }

        /// <summary>The SubjectPublicKeyInfo element (DER), as ICrypto.VerifyEcdsaP256Sha256 takes it.</summary>
        public byte[] SubjectPublicKeyInfo { get; private set; }

        /// <summary>The public key bytes (for EC: the uncompressed point 04 || X || Y).</summary>
        public byte[] PublicKey { get; private set; }

        /// <summary>True for an id-ecPublicKey on prime256v1 with a 65-byte uncompressed point.</summary>
        public bool IsEcP256Key { get; private set; }

        /// <summary>OID of the signature algorithm (outer and TBS copies are required to match).</summary>
        public string SignatureAlgorithm { get; private set; }

        public bool IsEcdsaWithSha256
        {
            get { return SignatureAlgorithm == Oids.EcdsaWithSha256; }
        }

        /// <summary>The ECDSA signature value (DER Ecdsa-Sig-Value).</summary>
        public byte[] Signature { get; private set; }

        public bool HasBasicConstraints { get; private set; }

        /// <summary>basicConstraints cA (false when the extension is absent).</summary>
        public bool IsCa { get; private set; }

        /// <summary>First byte of keyUsage, or -1 when the extension is absent.</summary>
        public int KeyUsage { get; private set; }

        public bool HasExtendedKeyUsage { get; private set; }

        public bool AllowsClientAuth { get; private set; }

        /// <summary>A critical extension the device does not understand: RFC 5280 says such a certificate must be refused.</summary>
        public bool HasUnknownCriticalExtension { get; private set; }

        public static X509Certificate Parse(byte[] der)
        {
            if (der == null || der.Length == 0)
                throw new DerFormatException("certificate is empty");
            X509Certificate c = new X509Certificate();
            c.Der = der;
            c.KeyUsage = -1;
            DerReader outer = new DerReader(der);
            DerReader cert = outer.ReadSequence();
            outer.ExpectEnd();

            int tbsOffset;
            c.TbsLength = cert.ReadRaw(DerReader.Sequence, out tbsOffset);
            c.TbsOffset = tbsOffset;
            string outerAlgorithm = ReadAlgorithm(cert);
            c.Signature = cert.ReadBitStringBytes();
            cert.ExpectEnd();

            DerReader tbs = new DerReader(der, tbsOffset, c.TbsLength).ReadSequence();
            if (tbs.PeekTag() != 0xA0)
                throw new DerFormatException("not an X.509 v3 certificate (version missing)");
            DerReader version = tbs.ReadConstructed(0xA0);
            if (version.ReadSmallInteger() != 2)
                throw new DerFormatException("not an X.509 v3 certificate");
            version.ExpectEnd();
            c.SerialHex = Hex.ToLower(tbs.ReadIntegerBytes());
            string innerAlgorithm = ReadAlgorithm(tbs);
            if (innerAlgorithm != outerAlgorithm)
                throw new DerFormatException("signature algorithm inside the TBS differs from the outer one");
            c.SignatureAlgorithm = outerAlgorithm;
            c.IssuerName = tbs.ReadRawBytes(DerReader.Sequence);
            c.IssuerCommonName = CommonNameOf(c.IssuerName);
            DerReader validity = tbs.ReadSequence();
            c.NotBefore = validity.ReadTime();
            c.NotAfter = validity.ReadTime();
            validity.ExpectEnd();
            c.SubjectName = tbs.ReadRawBytes(DerReader.Sequence);
            c.SubjectCommonName = CommonNameOf(c.SubjectName);
            c.SubjectPublicKeyInfo = tbs.ReadRawBytes(DerReader.Sequence);
            c.ReadPublicKey();
            if (tbs.PeekTag() == 0x81)
                tbs.Skip(); // issuerUniqueID
            if (tbs.PeekTag() == 0x82)
                tbs.Skip(); // subjectUniqueID
            if (tbs.PeekTag() == 0xA3)
            {
                DerReader wrapper = tbs.ReadConstructed(0xA3);
                c.ReadExtensions(wrapper.ReadSequence());
                wrapper.ExpectEnd();
            }
            tbs.ExpectEnd();
            return c;
        }

        /// <summary>Reads an AlgorithmIdentifier; for ECDSA the parameters must be absent (RFC 5758).</summary>
        private static string ReadAlgorithm(DerReader reader)
        {
            DerReader alg = reader.ReadSequence();
            string oid = alg.ReadOid();
            if (oid != Oids.EcdsaWithSha256 && alg.HasMore && alg.PeekTag() == DerReader.Null)
                alg.ReadNull();
            else if (alg.HasMore && oid != Oids.EcdsaWithSha256)
                alg.Skip();
            alg.ExpectEnd();
            return oid;
        }

        /// <summary>
        /// A bare SubjectPublicKeyInfo (as IDeviceKeys.GetPublicKey returns it) viewed through the same key
        /// parser; only <see cref="SubjectPublicKeyInfo"/>, <see cref="PublicKey"/> and <see cref="IsEcP256Key"/> are set.
        /// </summary>
        public static X509Certificate ParseSubjectPublicKeyInfo(byte[] spkiDer)
        {
            if (spkiDer == null || spkiDer.Length == 0)
                throw new DerFormatException("public key is empty");
            X509Certificate c = new X509Certificate();
            c.KeyUsage = -1;
            DerReader whole = new DerReader(spkiDer);
            c.SubjectPublicKeyInfo = whole.ReadRawBytes(DerReader.Sequence);
            whole.ExpectEnd();
            c.ReadPublicKey();
            return c;
        }

        private void ReadPublicKey()
        {
            DerReader spki = new DerReader(SubjectPublicKeyInfo).ReadSequence();
            DerReader alg = spki.ReadSequence();
            string keyType = alg.ReadOid();
            string curve = null;
            if (keyType == Oids.EcPublicKey)
            {
                curve = alg.ReadOid();
            }
            else if (alg.HasMore)
            {
                alg.Skip();
            }
            alg.ExpectEnd();
            PublicKey = spki.ReadBitStringBytes();
            spki.ExpectEnd();
            IsEcP256Key = keyType == Oids.EcPublicKey && curve == Oids.Prime256v1 && PublicKey.Length == 65 && PublicKey[0] == 0x04;
        }

        private void ReadExtensions(DerReader list)
        {
            string[] seen = new string[16];
            int count = 0;
            while (list.HasMore)
            {
                DerReader ext = list.ReadSequence();
                string oid = ext.ReadOid();
                for (int i = 0; i < count; i++)
                {
                    if (seen[i] == oid)
                        throw new DerFormatException("extension " + oid + " appears twice");
                }
                if (count == seen.Length)
                    throw new DerFormatException("more than " + seen.Length.ToString() + " extensions");
                seen[count++] = oid;
                bool critical = false;
                if (ext.PeekTag() == DerReader.Boolean)
                    critical = ext.ReadBoolean();
                int valueOffset;
                int valueLength;
                ext.ReadExpected(DerReader.OctetString, out valueOffset, out valueLength);
                ext.ExpectEnd();
                DerReader value = new DerReader(ext.Data, valueOffset, valueLength);
                if (oid == Oids.BasicConstraints)
                {
                    HasBasicConstraints = true;
                    DerReader bc = value.ReadSequence();
                    if (bc.PeekTag() == DerReader.Boolean)
                        IsCa = bc.ReadBoolean();
                    if (bc.HasMore)
                        bc.ReadSmallInteger(); // pathLenConstraint: a two-level hierarchy never needs it
                    bc.ExpectEnd();
                    value.ExpectEnd();
                }
                else if (oid == Oids.KeyUsage)
                {
                    int offset;
                    int length;
                    int unused;
                    value.ReadBitString(out offset, out length, out unused);
                    value.ExpectEnd();
                    KeyUsage = length == 0 ? 0 : ext.Data[offset];
                }
                else if (oid == Oids.ExtendedKeyUsage)
                {
                    HasExtendedKeyUsage = true;
                    DerReader eku = value.ReadSequence();
                    while (eku.HasMore)
                    {
                        if (eku.ReadOid() == Oids.ClientAuth)
                            AllowsClientAuth = true;
                    }
                    value.ExpectEnd();
                }
                else if (critical && oid != Oids.SubjectKeyIdentifier && oid != Oids.AuthorityKeyIdentifier && oid != Oids.SubjectAltName
                    && oid != Oids.CrlDistributionPoints && oid != Oids.CertificatePolicies && oid != Oids.AuthorityInfoAccess)
                {
                    HasUnknownCriticalExtension = true;
                }
            }
        }

        /// <summary>The CN of a Name when it has exactly one; null otherwise. Also validates the Name's structure.</summary>
        private static string CommonNameOf(byte[] nameDer)
        {
            DerReader name = new DerReader(nameDer).ReadSequence();
            string found = null;
            int count = 0;
            while (name.HasMore)
            {
                DerReader rdn = name.ReadConstructed(DerReader.Set);
                while (rdn.HasMore)
                {
                    DerReader atv = rdn.ReadSequence();
                    string oid = atv.ReadOid();
                    int offset;
                    int length;
                    int tag = atv.ReadElement(out offset, out length);
                    atv.ExpectEnd();
                    if (oid != Oids.CommonName)
                        continue;
                    if (tag != DerReader.Utf8String && tag != DerReader.PrintableString && tag != DerReader.Ia5String)
                        throw new DerFormatException("common name with unsupported string type");
                    try
                    {
                        found = Utf8.GetString(nameDer, offset, length);
                    }
                    catch (FormatException)
                    {
                        throw new DerFormatException("common name is not valid UTF-8");
                    }
                    count++;
                }
            }
            return count == 1 ? found : null;
        }

        /// <summary>True when the two arrays hold the same bytes (names, keys).</summary>
        public static bool SameBytes(byte[] a, byte[] b)
        {
            if (a == null || b == null || a.Length != b.Length)
                return false;
            int diff = 0;
            for (int i = 0; i < a.Length; i++)
                diff |= a[i] ^ b[i];
            return diff == 0;
        }
    }
}
