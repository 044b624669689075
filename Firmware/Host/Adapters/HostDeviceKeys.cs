using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Platform;

namespace IotDevice.Host.Adapters;

/// <summary>
/// <see cref="IDeviceKeys"/> on .NET over an <see cref="ISecureStore"/>: each private key is a SEC1
/// "EC PRIVATE KEY" PEM string in namespace <c>iotdev</c> under its key name (README "Device protocols": <c>id0_key</c>,
/// <c>id1_key</c>), the very form the provisioning bundle writes. Keys are loaded for one operation and
/// disposed; nothing is cached.
/// <para>
/// Threat: the key exists at rest only inside the secure store (on the virtual ESP32: NVS encryption under
/// flash encryption), so a flash dump does not reveal it; it never leaves through this interface, only
/// signatures, CSRs and the public key do.
/// </para>
/// </summary>
public sealed class HostDeviceKeys(ISecureStore store) : IDeviceKeys
{
    public const string Namespace = "iotdev";

    public void GenerateKey(string keyName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        store.SetString(Namespace, keyName, key.ExportECPrivateKeyPem() + "\n");
    }

    public bool HasKey(string keyName) => store.GetString(Namespace, keyName) is { Length: > 0 };

    public byte[] GetPublicKey(string keyName)
    {
        using var key = Load(keyName);
        return key.ExportSubjectPublicKeyInfo();
    }

    public byte[] CreateCertificateRequest(string keyName, string commonName)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        using var key = Load(keyName);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(commonName);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequest();
    }

    public byte[] Sign(string keyName, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var key = Load(keyName);
        return key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private ECDsa Load(string keyName)
    {
        string pem = store.GetString(Namespace, keyName)
            ?? throw new InvalidOperationException($"no private key stored under {Namespace}/{keyName}");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
                throw new CryptographicException($"{Namespace}/{keyName} is not a P-256 key");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
