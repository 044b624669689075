using System.Security.Cryptography;

namespace NfBuild.Fleet;

/// <summary>Certificate serial numbers: random, positive, 16 bytes, written as lower-case hex of the DER INTEGER bytes.</summary>
public static class CertificateSerials
{
    /// <summary>
    /// 16 random bytes with the top bit cleared (positive, so DER needs no 0x00 pad) and the next bit
    /// set (no leading zero byte for DER to strip): the DER INTEGER is exactly these 16 bytes.
    /// Threat: serials an attacker can predict help chosen-prefix collision attacks on the CA signature
    /// and let a forged renewal request name a serial before it exists; 126 random bits rule both out.
    /// </summary>
    public static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    /// <summary>The registry and protocol form of a serial.</summary>
    public static string ToHex(ReadOnlySpan<byte> serial) => Convert.ToHexStringLower(serial);

    /// <summary>The serial of a certificate in the registry form.</summary>
    public static string Of(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        ToHex(certificate.SerialNumberBytes.Span);

    /// <summary>Parses the registry form back to DER INTEGER bytes.</summary>
    public static byte[] FromHex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException e)
        {
            throw new FleetException($"'{hex}' is not a hex certificate serial", e);
        }
    }
}
