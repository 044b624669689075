namespace Esp32.Formats.Nvs;

/// <summary>
/// ESP-IDF error codes the NVS layers return (include/nvs.h, esp_err.h). The device-side classes return
/// them internally exactly where nvs_flash does, so behaviour can be compared line by line with upstream.
/// </summary>
public enum NvsError
{
    /// <summary>ESP_OK.</summary>
    Ok = 0,
    /// <summary>ESP_FAIL: an internal consistency assertion failed (NVS_ASSERT_OR_RETURN).</summary>
    Fail = -1,
    /// <summary>ESP_ERR_INVALID_ARG.</summary>
    InvalidArg = 0x102,
    /// <summary>ESP_ERR_INVALID_SIZE.</summary>
    InvalidSize = 0x104,
    /// <summary>ESP_ERR_NOT_ALLOWED (read-write handle on a read-only partition).</summary>
    NotAllowed = 0x10A,
    /// <summary>ESP_ERR_NVS_NOT_INITIALIZED.</summary>
    NotInitialized = 0x1101,
    /// <summary>ESP_ERR_NVS_NOT_FOUND.</summary>
    NotFound = 0x1102,
    /// <summary>ESP_ERR_NVS_TYPE_MISMATCH.</summary>
    TypeMismatch = 0x1103,
    /// <summary>ESP_ERR_NVS_READ_ONLY.</summary>
    ReadOnly = 0x1104,
    /// <summary>ESP_ERR_NVS_NOT_ENOUGH_SPACE.</summary>
    NotEnoughSpace = 0x1105,
    /// <summary>ESP_ERR_NVS_INVALID_NAME.</summary>
    InvalidName = 0x1106,
    /// <summary>ESP_ERR_NVS_INVALID_HANDLE.</summary>
    InvalidHandle = 0x1107,
    /// <summary>ESP_ERR_NVS_REMOVE_FAILED.</summary>
    RemoveFailed = 0x1108,
    /// <summary>ESP_ERR_NVS_KEY_TOO_LONG.</summary>
    KeyTooLong = 0x1109,
    /// <summary>ESP_ERR_NVS_PAGE_FULL (internal).</summary>
    PageFull = 0x110A,
    /// <summary>ESP_ERR_NVS_INVALID_STATE.</summary>
    InvalidState = 0x110B,
    /// <summary>ESP_ERR_NVS_INVALID_LENGTH.</summary>
    InvalidLength = 0x110C,
    /// <summary>ESP_ERR_NVS_NO_FREE_PAGES: the partition has no empty page (truncated or foreign data).</summary>
    NoFreePages = 0x110D,
    /// <summary>ESP_ERR_NVS_VALUE_TOO_LONG.</summary>
    ValueTooLong = 0x110E,
    /// <summary>ESP_ERR_NVS_NEW_VERSION_FOUND: a page has a format version newer than this code knows.</summary>
    NewVersionFound = 0x1110,
    /// <summary>ESP_ERR_NVS_CONTENT_DIFFERS (internal).</summary>
    ContentDiffers = 0x1118,
}

/// <summary>
/// An NVS operation failed with the ESP-IDF error code <see cref="Error"/> (what nvs_get_*/nvs_set_*
/// would have returned on the device).
/// </summary>
public sealed class NvsException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>, naming the key or context in the message.</summary>
    public NvsException(NvsError error, string context)
        : base($"{context}: {Describe(error)}") => Error = error;

    /// <summary>The ESP-IDF error code.</summary>
    public NvsError Error { get; }

    /// <summary>The ESP_ERR_* name of an error code.</summary>
    public static string Describe(NvsError error) => error switch
    {
        NvsError.Ok => "ESP_OK",
        NvsError.Fail => "ESP_FAIL",
        NvsError.InvalidArg => "ESP_ERR_INVALID_ARG",
        NvsError.InvalidSize => "ESP_ERR_INVALID_SIZE",
        NvsError.NotAllowed => "ESP_ERR_NOT_ALLOWED",
        _ => "ESP_ERR_NVS_" + ToUpperSnake(error.ToString()),
    };

    private static string ToUpperSnake(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(name[i]));
        }
        return sb.ToString();
    }
}
