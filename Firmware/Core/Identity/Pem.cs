using System;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// PEM (RFC 7468) <-> DER for certificates: NVS keeps PEM text (README "Device protocols"), the renewal protocol and
    /// the parser use DER. Decoding is strict about the armour and tolerant only of line breaks.
    /// </summary>
    public static class Pem
    {
        public const string CertificateLabel = "CERTIFICATE";

        /// <summary>DER of the first block with <paramref name="label"/>; throws <see cref="DerFormatException"/> when there is none or it is not base64.</summary>
        public static byte[] Decode(string pem, string label)
        {
            int next;
            byte[] der = DecodeAt(pem, label, 0, out next);
            if (der == null)
                throw new DerFormatException("no PEM block '" + label + "'");
            return der;
        }

        /// <summary>DER of every block with <paramref name="label"/>, in order (a CA bundle); empty when none.</summary>
        public static byte[][] DecodeAll(string pem, string label)
        {
            byte[][] found = new byte[0][];
            int at = 0;
            while (true)
            {
                int next;
                byte[] der = DecodeAt(pem, label, at, out next);
                if (der == null)
                    return found;
                byte[][] grown = new byte[found.Length + 1][];
                Array.Copy(found, grown, found.Length);
                grown[found.Length] = der;
                found = grown;
                at = next;
            }
        }

        private static byte[] DecodeAt(string pem, string label, int from, out int next)
        {
            next = from;
            if (pem == null)
                throw new DerFormatException("PEM text is missing");
            string begin = "-----BEGIN " + label + "-----";
            string end = "-----END " + label + "-----";
            int b = pem.IndexOf(begin, from);
            if (b < 0)
                return null;
            int bodyStart = b + begin.Length;
            int e = pem.IndexOf(end, bodyStart);
            if (e < 0)
                throw new DerFormatException("PEM block '" + label + "' has no END line");
            char[] body = new char[e - bodyStart];
            int n = 0;
            for (int i = bodyStart; i < e; i++)
            {
                char c = pem[i];
                if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
                    continue;
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                if (!ok)
                    throw new DerFormatException("PEM block '" + label + "' has character '" + c.ToString() + "'");
                body[n++] = c;
            }
            if (n == 0 || n % 4 != 0)
                throw new DerFormatException("PEM block '" + label + "' is not whole base64");
            next = e + end.Length;
            byte[] der;
            try
            {
                der = Convert.FromBase64CharArray(body, 0, n);
            }
            catch (Exception)
            {
                // FormatException on .NET; the device's mscorlib may throw another type for bad base64.
                throw new DerFormatException("PEM block '" + label + "' is not valid base64");
            }
            if (der == null || der.Length == 0)
                throw new DerFormatException("PEM block '" + label + "' is empty");
            return der;
        }

        /// <summary>PEM text with 64-character lines and '\n' endings.</summary>
        public static string Encode(byte[] der, string label)
        {
            if (der == null || der.Length == 0)
                throw new ArgumentException("nothing to encode");
            string b64 = Convert.ToBase64String(der);
            string text = "-----BEGIN " + label + "-----\n";
            for (int i = 0; i < b64.Length; i += 64)
            {
                int len = b64.Length - i < 64 ? b64.Length - i : 64;
                text = text + b64.Substring(i, len) + "\n";
            }
            return text + "-----END " + label + "-----\n";
        }

        /// <summary>Strict base64 (cert/chain/csr/pop fields of the renewal protocol): null for anything that is not canonical whole base64.</summary>
        public static byte[] FromBase64(string text)
        {
            if (text == null || text.Length == 0 || text.Length % 4 != 0)
                return null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || (c == '=' && i >= text.Length - 2);
                if (!ok)
                    return null;
            }
            if (text[text.Length - 2] == '=' && text[text.Length - 1] != '=')
                return null;
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (Exception)
            {
                return null;
            }
        }
    }
}
