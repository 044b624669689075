using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>Lower-case hexadecimal, the one spelling the device protocols use for serials, request ids and hashes.</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        public static string ToLower(byte[] data)
        {
            if (data == null)
                throw new ArgumentNullException("data");
            return ToLower(data, 0, data.Length);
        }

        public static string ToLower(byte[] data, int offset, int count)
        {
            if (data == null)
                throw new ArgumentNullException("data");
            if (offset < 0 || count < 0 || count > data.Length - offset)
                throw new ArgumentOutOfRangeException("count");
            char[] chars = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                int b = data[offset + i];
                chars[2 * i] = Digits[b >> 4];
                chars[2 * i + 1] = Digits[b & 0x0F];
            }
            return new string(chars);
        }

        /// <summary>True when <paramref name="text"/> is exactly <paramref name="length"/> lower-case hex digits.</summary>
        public static bool IsLowerHex(string text, int length)
        {
            if (text == null || text.Length != length)
                return false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                    return false;
            }
            return true;
        }
    }
}
