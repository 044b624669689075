using System;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The build time in esp_app_desc_t: ESP-IDF fills its date and time fields from the compiler's __DATE__
    /// ("Dec  1 2026", the day padded with a space) and __TIME__ ("20:15:00"). The core never accepts a clock older
    /// than the running firmware's build (<see cref="Connectivity.TimeGuard"/>), which is why the device reads it.
    /// </summary>
    public static class AppBuildTime
    {
        private static readonly string[] Months = new string[] { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

        /// <summary>
        /// The UTC time of "<c>Mmm d yyyy HH:mm:ss</c>" (date and time joined by spaces, runs of spaces allowed), or
        /// <see cref="DateTime.MinValue"/> when the text is null or not in the compiler's form (no floor then).
        /// </summary>
        public static DateTime Parse(string text)
        {
            if (text == null)
                return DateTime.MinValue;
            string[] raw = text.Split(' ');
            string[] parts = new string[4];
            int n = 0;
            for (int i = 0; i < raw.Length; i++)
            {
                if (raw[i].Length == 0)
                    continue;
                if (n == parts.Length)
                    return DateTime.MinValue;
                parts[n++] = raw[i];
            }
            if (n != 4)
                return DateTime.MinValue;
            int month = 0;
            for (int i = 0; i < Months.Length && month == 0; i++)
            {
                if (Months[i] == parts[0])
                    month = i + 1;
            }
            int day = Number(parts[1], 1, 2);
            int year = Number(parts[2], 4, 4);
            string time = parts[3];
            if (month <= 0 || day < 1 || year < 1970 || time.Length != 8 || time[2] != ':' || time[5] != ':')
                return DateTime.MinValue;
            int hour = Number(time.Substring(0, 2), 2, 2);
            int minute = Number(time.Substring(3, 2), 2, 2);
            int second = Number(time.Substring(6, 2), 2, 2);
            if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
                return DateTime.MinValue;
            if (day > DateTime.DaysInMonth(year, month))
                return DateTime.MinValue;
            return new DateTime(year, month, day, hour, minute, second); // UTC: the compiler runs in UTC in the build container; nanoFramework DateTime is UTC
        }

        private static int Number(string text, int minDigits, int maxDigits)
        {
            if (text.Length < minDigits || text.Length > maxDigits)
                return -1;
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                    return -1;
                n = n * 10 + (c - '0');
            }
            return n;
        }
    }
}
