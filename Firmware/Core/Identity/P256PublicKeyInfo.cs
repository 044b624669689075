using System;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// The DER SubjectPublicKeyInfo (RFC 5480) of a P-256 public key from its uncompressed point (0x04 || X || Y, 65
    /// bytes), as mbedTLS returns it: SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING point }.
    /// The device adapter builds the form <see cref="Platform.IDeviceKeys.GetPublicKey"/> promises without a DER writer.
    /// </summary>
    public static class P256PublicKeyInfo
    {
        public const int PointLength = 65;

        // 30 59 | 30 13 06 07 2A8648CE3D0201 06 08 2A8648CE3D030107 | 03 42 00
        private static readonly byte[] Prefix = new byte[]
        {
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
            0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
        };

        /// <summary>The 91-byte SubjectPublicKeyInfo; throws when <paramref name="point"/> is not an uncompressed P-256 point.</summary>
        public static byte[] FromUncompressedPoint(byte[] point)
        {
            if (point == null)
                throw new ArgumentNullException("point");
            if (point.Length != PointLength || point[0] != 0x04)
                throw new ArgumentException("not an uncompressed P-256 point (65 bytes starting with 0x04)", "point");
            byte[] info = new byte[Prefix.Length + PointLength];
            Array.Copy(Prefix, info, Prefix.Length);
            Array.Copy(point, 0, info, Prefix.Length, PointLength);
            return info;
        }
    }
}
