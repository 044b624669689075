using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// The one time format of the device protocols: <c>yyyy-MM-ddTHH:mm:ssZ</c>, UTC, whole seconds. Formatted
    /// and parsed by hand: nanoFramework's DateTime.ToString/Parse formats differ from .NET's, and a
    /// strict parser means a time in a signed message has exactly one spelling.
    /// </summary>
    public static class UtcTime
    {
        public const int Length = 20;

        public static string Format(DateTime time)
        {
            char[] c = new char[Length];
            Put(c, 0, time.Year, 4);
            c[4] = '-';
            Put(c, 5, time.Month, 2);
            c[7] = '-';
            Put(c, 8, time.Day, 2);
            c[10] = 'T';
            Put(c, 11, time.Hour, 2);
            c[13] = ':';
            Put(c, 14, time.Minute, 2);
            c[16] = ':';
            Put(c, 17, time.Second, 2);
            c[19] = 'Z';
            return new string(c);
        }

        /// <summary>Parses the exact format; returns false (never throws) for anything else, including impossible dates.</summary>
        public static bool TryParse(string text, out DateTime time)
        {
            time = DateTime.MinValue;
            if (text == null || text.Length != Length)
                return false;
            if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
                return false;
            int year = Digits(text, 0, 4);
            int month = Digits(text, 5, 2);
            int day = Digits(text, 8, 2);
            int hour = Digits(text, 11, 2);
            int minute = Digits(text, 14, 2);
            int second = Digits(text, 17, 2);
            return TryCreate(year, month, day, hour, minute, second, out time);
        }

        /// <summary>Earliest year the device's DateTime holds (nanoFramework's origin is 1601-01-01).</summary>
        public const int MinYear = 1601;

        /// <summary>Latest year the device's DateTime holds (nanoFramework's maximum is 3000-12-31).</summary>
        public const int MaxYear = 3000;

        /// <summary>
        /// Builds a date only from valid fields (the DateTime constructor would throw). The year range is the
        /// device's, not .NET's, so the host accepts exactly what the device accepts.
        /// </summary>
        public static bool TryCreate(int year, int month, int day, int hour, int minute, int second, out DateTime time)
        {
            time = DateTime.MinValue;
            if (year < MinYear || year > MaxYear || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
                return false;
            if (day > DateTime.DaysInMonth(year, month))
                return false;
            time = new DateTime(year, month, day, hour, minute, second);
            return true;
        }

        /// <summary>Value of <paramref name="count"/> decimal digits at <paramref name="start"/>, or -1.</summary>
        internal static int Digits(string text, int start, int count)
        {
            int value = 0;
            for (int i = start; i < start + count; i++)
            {
                char ch = text[i];
                if (ch < '0' || ch > '9')
                    return -1;
                value = value * 10 + (ch - '0');
            }
            return value;
        }

        private static void Put(char[] c, int at, int value, int width)
        {
            for (int i = width - 1; i >= 0; i--)
            {
                c[at + i] = (char)('0' + value % 10);
                value /= 10;
            }
        }
    }
}
