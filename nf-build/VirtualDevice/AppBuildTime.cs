using System.Globalization;

namespace NfBuild.VirtualDevice;

/// <summary>esp_app_desc_t's date and time fields, which ESP-IDF fills from the compiler's __DATE__ ("Dec  1 2026") and __TIME__ ("20:15:00").</summary>
public static class AppBuildTime
{
    public static string FormatDate(DateTime t) =>
        t.ToString("MMM", CultureInfo.InvariantCulture) + " " + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " " + t.Year.ToString(CultureInfo.InvariantCulture);

    /// <summary>The build time as UTC, or null when the fields are empty or not in the compiler's form.</summary>
    public static DateTime? Parse(string date, string time)
    {
        string text = string.Join(' ', date.Split(' ', StringSplitOptions.RemoveEmptyEntries)) + " " + time;
        return DateTime.TryParseExact(text, "MMM d yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
    }
}
