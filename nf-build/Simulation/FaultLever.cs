using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Esp32.Virtual;

namespace NfBuild.Simulation;

/// <summary>
/// A release that breaks on some devices, decided by the bytes the bootloader booted: an app image whose code carries
/// <c>IOTDEVICE-SIM-FAULT no-primary permille=&lt;n&gt;;</c> behaves, on the devices it hits, like firmware whose network
/// stack never comes up, so it never gets its status onto the primary and the OTA self-test rolls it back (the same
/// failure the OTA tests induce with an unreachable primary). Which devices it hits is a property of the device, as a
/// hardware variant would be: SHA-256 of the device id, first two bytes mod 1000, below n. The marker lives in the signed
/// release, so the rollout, download, verification and reboot are all real; only the placeholder app's behaviour is
/// simulated (there is no nanoCLR to run).
/// </summary>
public static class FaultLever
{
    public const string Marker = "IOTDEVICE-SIM-FAULT no-primary permille=";

    /// <summary>The code bytes (for an app image segment) of a placeholder app with the fault.</summary>
    public static byte[] FaultyCode(int permille, int size = 4096)
    {
        var code = new byte[size];
        Encoding.ASCII.GetBytes("IotDevice nanoCLR placeholder " + Marker + permille.ToString(CultureInfo.InvariantCulture) + ";").CopyTo(code, 0);
        return code;
    }

    /// <summary>Whether a device with this id fails with a release of this permille.</summary>
    public static bool Hits(string deviceId, int permille)
    {
        byte[] h = SHA256.HashData(Encoding.UTF8.GetBytes(deviceId));
        return (h[0] << 8 | h[1]) % 1000 < permille;
    }

    /// <summary>The permille of the app the device booted (its ota_N partition's first 8 KB, read through flash encryption), or 0.</summary>
    public static int BootedPermille(VirtualEsp32 device, int otaSlot)
    {
        var head = new byte[8192];
        device.OpenPartition("ota_" + otaSlot.ToString(CultureInfo.InvariantCulture)).Read(0, head);
        string text = Encoding.ASCII.GetString(head);
        int at = text.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
            return 0;
        int start = at + Marker.Length, end = text.IndexOf(';', start);
        return end > start && int.TryParse(text.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? Math.Clamp(p, 0, 1000) : 0;
    }
}
