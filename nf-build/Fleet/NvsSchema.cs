namespace NfBuild.Fleet;

/// <summary>The device's NVS keys (namespace <c>iotdev</c>) as the contracts define them.</summary>
public static class NvsSchema
{
    public const string Namespace = "iotdev";
    public const string DeviceId = "dev_id";
    public const string RootCa0 = "ca_0";
    public const string RootCa1 = "ca_1";
    public const string ActiveIdentity = "id_act";
    public const string FallbackUser = "fb_user";
    public const string PrimaryEndpoints = "ep_primary";
    public const string FallbackEndpoints = "ep_fallback";
    public const string WifiSsid = "wifi_ssid";
    public const string WifiPassword = "wifi_pass";
    public const string TimeFloor = "time_floor";

    /// <summary>Leaf certificate PEM of identity slot 0 or 1.</summary>
    public static string Certificate(int slot) => $"id{slot}_crt";

    /// <summary>Issuing CA PEM of slot 0 or 1.</summary>
    public static string Chain(int slot) => $"id{slot}_chain";

    /// <summary>SEC1 private key PEM of slot 0 or 1.</summary>
    public static string Key(int slot) => $"id{slot}_key";

    /// <summary>Fallback password of slot 0 or 1.</summary>
    public static string FallbackPassword(int slot) => $"id{slot}_fbpw";

    /// <summary>UTC time in the time_floor form.</summary>
    public static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
