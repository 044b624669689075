using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NfBuild.Fleet;

/// <summary>The fields of a DER CRL (RFC 5280 CertificateList) that the fleet checks.</summary>
public sealed class CrlInfo
{
    private CrlInfo(byte[] der, byte[] tbs, byte[] signature, X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, IReadOnlyList<string> revoked)
    {
        Der = der;
        TbsCertList = tbs;
        Signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedSerials = revoked;
    }

    public byte[] Der { get; }
    public byte[] TbsCertList { get; }

    /// <summary>The signature value (DER Ecdsa-Sig-Value for the fleet's ECDSA CA).</summary>
    public byte[] Signature { get; }
    public X500DistinguishedName Issuer { get; }
    public DateTimeOffset ThisUpdate { get; }
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>Revoked serials, lower-case hex of the DER INTEGER bytes.</summary>
    public IReadOnlyList<string> RevokedSerials { get; }

    /// <summary>True when the CRL is signed by <paramref name="issuerKey"/> (ECDSA with SHA-256).</summary>
    public bool VerifySignature(ECDsa issuerKey) =>
        issuerKey.VerifyData(TbsCertList, Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Parses a PEM ("X509 CRL") or DER CRL.</summary>
    public static CrlInfo Parse(byte[] pemOrDer)
    {
        byte[] der = pemOrDer;
        try
        {
            if (pemOrDer.Length > 0 && pemOrDer[0] == (byte)'-')
            {
                var text = System.Text.Encoding.ASCII.GetString(pemOrDer);
                var fields = PemEncoding.Find(text);
                der = Convert.FromBase64String(text[fields.Base64Data]);
            }
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            byte[] tbs = outer.PeekEncodedValue().ToArray();
            AsnReader tbsReader = outer.ReadSequence();
            outer.ReadSequence(); // signatureAlgorithm
            byte[] signature = outer.ReadBitString(out _);

            if (tbsReader.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
                tbsReader.ReadInteger(); // version v2
            tbsReader.ReadSequence(); // signature
            var issuer = new X500DistinguishedName(tbsReader.ReadEncodedValue().Span);
            DateTimeOffset thisUpdate = ReadTime(tbsReader);
            DateTimeOffset? nextUpdate = null;
            if (tbsReader.HasData && IsTime(tbsReader.PeekTag()))
                nextUpdate = ReadTime(tbsReader);
            var revoked = new List<string>();
            if (tbsReader.HasData && tbsReader.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                AsnReader entries = tbsReader.ReadSequence();
                while (entries.HasData)
                {
                    AsnReader entry = entries.ReadSequence();
                    revoked.Add(Convert.ToHexStringLower(entry.ReadIntegerBytes().Span));
                }
            }
            return new CrlInfo(der, tbs, signature, issuer, thisUpdate, nextUpdate, revoked);
        }
        catch (Exception e) when (e is AsnContentException or FormatException or ArgumentException or CryptographicException)
        {
            throw new FleetException($"not a valid CRL: {e.Message}", e);
        }
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
