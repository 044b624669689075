using System.Security.Cryptography;
using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// Every form in which a device's secrets could sit in flash: the key as PEM (whole, and each base64
/// body line long enough not to match by chance), as DER (SEC1 and PKCS#8), as the raw 32-byte scalar;
/// the fallback password; the Wi-Fi password. Built from the device's bundle.
/// </summary>
public static class DeviceSecrets
{
    /// <summary>Shortest PEM body line searched: 24 base64 characters are 144 bits, no chance match in 4 MB.</summary>
    public const int MinPemLine = 24;

    public static IReadOnlyList<AuditNeedle> Needles(DeviceBundle bundle) =>
        Needles(bundle.DeviceId, bundle.Directory, bundle.ReadPrivateKeyPem(), bundle.ReadFallbackPassword(), bundle.ReadWifiPassword());

    /// <summary>
    /// The same forms for secrets that are not in a bundle (e.g. the identity a renewal put into the device's NVS:
    /// its new key and fallback password). <paramref name="source"/> names where they came from, for errors.
    /// </summary>
    public static IReadOnlyList<AuditNeedle> Needles(string deviceId, string source, string keyPem, string fallbackPassword, string? wifiPassword)
    {
        var needles = new List<AuditNeedle>();
        using ECDsa key = ECDsa.Create();
        try
        {
            key.ImportFromPem(keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new FleetException($"device key of '{deviceId}' in {source} is not a valid PEM key: {e.Message}", e);
        }
        string sec1Pem = key.ExportECPrivateKeyPem();
        string pkcs8Pem = key.ExportPkcs8PrivateKeyPem();
        AddText(needles, "private key PEM (SEC1)", sec1Pem);
        AddText(needles, "private key PEM (SEC1, CRLF)", sec1Pem.Replace("\n", "\r\n"));
        AddText(needles, "private key PEM (PKCS#8)", pkcs8Pem);
        AddText(needles, "private key PEM (PKCS#8, CRLF)", pkcs8Pem.Replace("\n", "\r\n"));
        foreach (var (form, pem) in new[] { ("SEC1", sec1Pem), ("PKCS#8", pkcs8Pem) })
        {
            int n = 0;
            foreach (string line in pem.Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                n++;
                if (line.Length >= MinPemLine)
                    AddText(needles, $"private key PEM body line {n} ({form})", line);
            }
        }
        needles.Add(new AuditNeedle("private key DER (SEC1)", key.ExportECPrivateKey()));
        needles.Add(new AuditNeedle("private key DER (PKCS#8)", key.ExportPkcs8PrivateKey()));
        needles.Add(new AuditNeedle("private key scalar (32 bytes)", key.ExportParameters(true).D!));
        AddText(needles, "fallback password", fallbackPassword);
        if (wifiPassword is { Length: > 0 } wifi)
            AddText(needles, "Wi-Fi password", wifi);
        return needles;
    }

    private static void AddText(List<AuditNeedle> needles, string name, string text)
    {
        if (text.Length > 0)
            needles.Add(new AuditNeedle(name, Encoding.UTF8.GetBytes(text)));
    }
}
