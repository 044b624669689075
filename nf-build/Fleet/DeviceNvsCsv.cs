using IotDevice.Core.Updates;
using System.Text;
using IotDevice.Core.Platform;

namespace NfBuild.Fleet;

/// <summary>
/// A bundle's nvs.csv in nvs_partition_gen.py's dialect: every key of the device NVS schema (README "Device protocols") for slot 0.
/// PEMs and passwords are <c>file</c> rows naming the bundle's files relative to the CSV, so
/// `nf-build nvs generate devices/&lt;id&gt;/nvs.csv` (which resolves file rows against the CSV's
/// folder) and nvs_partition_gen.py run inside the bundle folder both find them, and no secret is
/// copied into the CSV itself.
/// </summary>
internal static class DeviceNvsCsv
{
    public static string Build(DeviceBundleContents c)
    {
        var sb = new StringBuilder();
        sb.Append("key,type,encoding,value\n");
        sb.Append($"{NvsSchema.Namespace},namespace,,\n");
        Data(sb, DeviceStoreKeys.DeviceId, c.DeviceId);
        File(sb, DeviceStoreKeys.RootCa0, DeviceBundle.RootCaFile);
        Data(sb, DeviceStoreKeys.ActiveIdentity, "0");
        File(sb, NvsSchema.Certificate(0), DeviceBundle.CertificateFile);
        File(sb, NvsSchema.Chain(0), DeviceBundle.ChainFile);
        File(sb, NvsSchema.Key(0), DeviceBundle.KeyFile);
        File(sb, NvsSchema.FallbackPassword(0), DeviceBundle.FallbackPasswordFile);
        Data(sb, DeviceStoreKeys.FallbackUser, c.DeviceId);
        Data(sb, DeviceStoreKeys.PrimaryEndpoints, string.Join(",", c.PrimaryEndpoints));
        Data(sb, DeviceStoreKeys.FallbackEndpoints, string.Join(",", c.FallbackEndpoints));
        Data(sb, DeviceStoreKeys.TimeFloor, NvsSchema.FormatTime(c.TimeFloor));
        if (c.WifiSsid is not null)
            Data(sb, DeviceStoreKeys.WifiSsid, c.WifiSsid);
        if (c.WifiPassword is not null)
            File(sb, DeviceStoreKeys.WifiPassword, DeviceBundle.WifiPasswordFile);
        if (c.ReleasePublicKeyPem is not null)
            File(sb, OtaStoreKeys.ReleasePublicKey, DeviceBundle.ReleasePublicKeyFile);
        return sb.ToString();
    }

    private static void Data(StringBuilder sb, string key, string value) => sb.Append($"{key},data,string,{Quote(value)}\n");

    private static void File(StringBuilder sb, string key, string file) => sb.Append($"{key},file,string,{file}\n");

    /// <summary>Excel-dialect quoting (Python csv): always quoted, '"' doubled. Values never hold line breaks
    /// (checked by the callers), which the tool's '#'-comment rule would otherwise break.</summary>
    private static string Quote(string value)
    {
        if (value.Any(char.IsControl))
            throw new FleetException($"NVS value '{value}' contains a control character");
        return "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
