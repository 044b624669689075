using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using NfBuild.Tests.HostAdapters;

namespace NfBuild.Tests.VirtualDevice;

/// <summary>
/// A fleet directory holding one device's provisioning bundle, laid out as README "Fleet workspace" says
/// (<c>devices/&lt;id&gt;/</c>: device.pem, device.key (SEC1), fallback-password, nvs.csv with <c>file</c> rows),
/// written here with .NET crypto and independent of the fleet library's code.
/// </summary>
public sealed class TestFleetBundle : IDisposable
{
    public TestFleetBundle(string deviceId = "dev-0001", string primary = "localhost:18883", string fallback = "localhost:18884")
    {
        DeviceId = deviceId;
        Pki = TestPki.Create();
        FleetDirectory = Directory.CreateTempSubdirectory("fleet").FullName;
        Directory.CreateDirectory(Path.Combine(FleetDirectory, "pki"));
        File.WriteAllText(Path.Combine(FleetDirectory, "pki", "root-ca.pem"), Pki.RootPem);
        BundleDirectory = Path.Combine(FleetDirectory, "devices", deviceId);
        Directory.CreateDirectory(BundleDirectory);

        Certificate = Pki.IssueDevice(deviceId);
        using ECDsa key = Certificate.GetECDsaPrivateKey()!;
        KeyPem = key.ExportECPrivateKeyPem() + "\n";
        KeyDer = key.ExportECPrivateKey();
        CertificatePem = Certificate.ExportCertificatePem() + "\n";
        ChainPem = Pki.Issuing.ExportCertificatePem() + "\n";
        FallbackPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

        Write("device.pem", CertificatePem);
        Write("device.key", KeyPem);
        Write("chain.pem", ChainPem);
        Write("root-ca.pem", Pki.RootPem);
        Write("fallback-password", FallbackPassword);
        Write("nvs.csv", $"""
            key,type,encoding,value
            iotdev,namespace,,
            dev_id,data,string,"{deviceId}"
            ca_0,file,string,root-ca.pem
            id_act,data,string,"0"
            id0_crt,file,string,device.pem
            id0_chain,file,string,chain.pem
            id0_key,file,string,device.key
            id0_fbpw,file,string,fallback-password
            fb_user,data,string,"{deviceId}"
            ep_primary,data,string,"{primary}"
            ep_fallback,data,string,"{fallback}"
            time_floor,data,string,"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}"
            """.Replace("\r\n", "\n") + "\n");
    }

    public string DeviceId { get; }
    public TestPki Pki { get; }
    public string FleetDirectory { get; }
    public string BundleDirectory { get; }
    public X509Certificate2 Certificate { get; }
    public string CertificatePem { get; }
    public string ChainPem { get; }
    public string KeyPem { get; }
    public byte[] KeyDer { get; }
    public string FallbackPassword { get; }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(BundleDirectory, name), text);

    public string NewOutputDirectory() => Path.Combine(FleetDirectory, "virtual-" + Guid.NewGuid().ToString("N")[..6]);

    public void Dispose()
    {
        Certificate.Dispose();
        Pki.Dispose();
        Directory.Delete(FleetDirectory, recursive: true);
    }
}
