using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// OpenSSL's <c>X509_NAME_hash</c> (the SHA-1 "new" subject hash of <c>openssl x509 -hash</c>, used
/// for c_rehash directories and Erlang's <c>ssl_crl_hash_dir</c>): the first 4 bytes of SHA-1 over the
/// name's canonical encoding, read little-endian, as 8 lower-case hex digits.
/// </summary>
public static class X509NameHash
{
    public static string Compute(X500DistinguishedName name)
    {
        byte[] canon = CanonicalEncoding(name);
        byte[] sha1 = SHA1.HashData(canon); // SHA-1 here is a file-name index defined by OpenSSL, not a security primitive
        uint h = (uint)(sha1[0] | sha1[1] << 8 | sha1[2] << 16 | sha1[3] << 24);
        return h.ToString("x8");
    }

    /// <summary>
    /// x509_name_canon (crypto/x509/x_name.c): every RDN re-encoded as a DER SET OF
    /// AttributeTypeAndValue whose string values are converted to UTF8String, ASCII lower-cased,
    /// stripped of leading and trailing whitespace with inner whitespace runs collapsed to one space; the
    /// SETs are concatenated without the outer SEQUENCE header. Values of other types stay as they are.
    /// </summary>
    public static byte[] CanonicalEncoding(X500DistinguishedName name)
    {
        var reader = new AsnReader(name.RawData, AsnEncodingRules.DER);
        AsnReader rdns = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var output = new List<byte>();
        while (rdns.HasData)
        {
            AsnReader set = rdns.ReadSetOf();
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSetOf())
            {
                while (set.HasData)
                {
                    AsnReader atv = set.ReadSequence();
                    string oid = atv.ReadObjectIdentifier();
                    ReadOnlyMemory<byte> value = atv.ReadEncodedValue();
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(oid);
                        string? text = DecodeString(value);
                        if (text is null)
                            writer.WriteEncodedValue(value.Span);
                        else
                            writer.WriteCharacterString(UniversalTagNumber.UTF8String, Canonicalise(text));
                    }
                }
            }
            output.AddRange(writer.Encode());
        }
        return output.ToArray();
    }

    /// <summary>The string types of ASN1_MASK_CANON, decoded as ASN1_STRING_to_UTF8 does; null for any other type.</summary>
    private static string? DecodeString(ReadOnlyMemory<byte> encoded)
    {
        AsnDecoder.ReadEncodedValue(encoded.Span, AsnEncodingRules.BER, out int contentOffset, out int contentLength, out _);
        Asn1Tag tag = Asn1Tag.Decode(encoded.Span, out _);
        if (tag.TagClass != TagClass.Universal || tag.IsConstructed)
            return null;
        byte[] content = encoded.Span.Slice(contentOffset, contentLength).ToArray();
        return (UniversalTagNumber)tag.TagValue switch
        {
            UniversalTagNumber.UTF8String => Encoding.UTF8.GetString(content),
            UniversalTagNumber.BMPString => Encoding.BigEndianUnicode.GetString(content),
            UniversalTagNumber.UniversalString => new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(content),
            // OpenSSL maps PrintableString, T61String, IA5String and VisibleString byte for byte (Latin-1).
            UniversalTagNumber.PrintableString or UniversalTagNumber.T61String or UniversalTagNumber.IA5String or UniversalTagNumber.VisibleString
                => Encoding.Latin1.GetString(content),
            _ => null,
        };
    }

    /// <summary>asn1_string_canon's text rules: trim, collapse whitespace, lower-case ASCII only.</summary>
    private static string Canonicalise(string text)
    {
        static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
        var sb = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (IsSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }
            sb.Append(c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
        }
        return sb.ToString();
    }
}
