using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// UTF-8 without System.Text: nanoFramework's mscorlib has no Encoding (it is the separate
    /// nanoFramework.System.Text package), and the core depends on mscorlib alone. Decoding is strict
    /// (overlong forms, surrogates and truncated sequences are errors): a payload is either exactly the
    /// text it claims to be or it is rejected, so two different byte strings never parse to the same value.
    /// </summary>
    public static class Utf8
    {
        public static byte[] GetBytes(string text)
        {
            if (text == null)
                throw new ArgumentNullException("text");
            int length = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (c < 0x80) length += 1;
                else if (c < 0x800) length += 2;
                else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.Length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) { length += 4; i++; }
                else length += 3;
            }
            byte[] bytes = new byte[length];
            int o = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (c < 0x80)
                {
                    bytes[o++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    bytes[o++] = (byte)(0xC0 | (c >> 6));
                    bytes[o++] = (byte)(0x80 | (c & 0x3F));
                }
                else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.Length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF)
                {
                    int cp = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
                    i++;
                    bytes[o++] = (byte)(0xF0 | (cp >> 18));
                    bytes[o++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                    bytes[o++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                    bytes[o++] = (byte)(0x80 | (cp & 0x3F));
                }
                else
                {
                    // A lone surrogate is written as U+FFFD rather than as invalid UTF-8.
                    if (c >= 0xD800 && c <= 0xDFFF)
                        c = 0xFFFD;
                    bytes[o++] = (byte)(0xE0 | (c >> 12));
                    bytes[o++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    bytes[o++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return bytes;
        }

        /// <summary>Decodes <paramref name="count"/> bytes; throws <see cref="FormatException"/> for anything that is not well-formed UTF-8.</summary>
        public static string GetString(byte[] data, int offset, int count)
        {
            if (data == null)
                throw new ArgumentNullException("data");
            if (offset < 0 || count < 0 || count > data.Length - offset)
                throw new ArgumentOutOfRangeException("count");
            char[] chars = new char[count * 2];
            int n = 0;
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                int b = data[i];
                if (b < 0x80)
                {
                    chars[n++] = (char)b;
                    i++;
                    continue;
                }
                int need;
                int cp;
                int min;
                if ((b & 0xE0) == 0xC0) { need = 1; cp = b & 0x1F; min = 0x80; }
                else if ((b & 0xF0) == 0xE0) { need = 2; cp = b & 0x0F; min = 0x800; }
                else if ((b & 0xF8) == 0xF0) { need = 3; cp = b & 0x07; min = 0x10000; }
                else throw new FormatException("invalid UTF-8 lead byte at " + (i - offset).ToString());
                if (need > end - i - 1)
                    throw new FormatException("truncated UTF-8 sequence at " + (i - offset).ToString());
                for (int k = 1; k <= need; k++)
                {
                    int cb = data[i + k];
                    if ((cb & 0xC0) != 0x80)
                        throw new FormatException("invalid UTF-8 continuation byte at " + (i + k - offset).ToString());
                    cp = (cp << 6) | (cb & 0x3F);
                }
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    throw new FormatException("overlong or invalid UTF-8 code point at " + (i - offset).ToString());
                if (cp >= 0x10000)
                {
                    cp -= 0x10000;
                    chars[n++] = (char)(0xD800 + (cp >> 10));
                    chars[n++] = (char)(0xDC00 + (cp & 0x3FF));
                }
                else
                {
                    chars[n++] = (char)cp;
                }
                i += need + 1;
            }
            return new string(chars, 0, n);
        }

        public static string GetString(byte[] data)
        {
            if (data == null)
                throw new ArgumentNullException("data");
            return GetString(data, 0, data.Length);
        }
    }
}
