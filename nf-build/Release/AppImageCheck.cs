using Esp32.Formats;
using Esp32.Formats.AppImage;

namespace NfBuild.Release;

/// <summary>The checks a release's app image must pass: a valid ESP32 app image (checksum, appended SHA-256) with an esp_app_desc_t.</summary>
internal static class AppImageCheck
{
    /// <summary>The image's esp_app_desc_t; throws <see cref="ReleaseException"/> naming the problem.</summary>
    public static AppDescription Check(byte[] image, string where)
    {
        AppImageInfo info;
        try
        {
            info = AppImageInfo.Parse(image);
            info.Verify();
        }
        catch (Esp32FormatException ex)
        {
            throw new ReleaseException($"{where}: {ex.Message}");
        }
        // Threat: the bootloader boots only images whose checksum and SHA-256 verify; without the appended hash
        // a torn or altered image would be caught by nothing but the manifest (which still checks it).
        if (!info.HashAppended)
            throw new ReleaseException($"{where}: the app image has no appended SHA-256 (hash_appended = 0)");
        // Bytes after the image (a Secure Boot v2 signature sector, padding) are kept: the manifest hashes the whole file.
        return info.Description ?? throw new ReleaseException($"{where}: the app image has no esp_app_desc_t (magic 0xABCD5432 at offset 0x20)");
    }
}
