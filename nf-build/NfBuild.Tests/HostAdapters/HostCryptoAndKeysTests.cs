using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Esp32.Virtual;
using IotDevice.Host.Adapters;
using NfBuild.Tests.Virtual;
using NfBuild.VirtualDevice;
using Xunit;

namespace NfBuild.Tests.HostAdapters;

/// <summary>HostCrypto and HostDeviceKeys over the virtual ESP32's encrypted NVS: real keys, real signatures.</summary>
public sealed class HostCryptoAndKeysTests
{
    private readonly HostCrypto _crypto = new();
    private readonly VirtualEsp32 _device;
    private readonly VirtualNvsSecureStore _store;
    private readonly HostDeviceKeys _keys;

    public HostCryptoAndKeysTests()
    {
        _device = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        _device.PowerOn();
        _store = new VirtualNvsSecureStore(_device.MountNvs());
        _keys = new HostDeviceKeys(_store);
    }

    private static readonly byte[] Data = Encoding.UTF8.GetBytes("iotdevice-renewal-pop-v1\nkind=renew\n");

    [Fact]
    public void Sha256_Incremental_MatchesOneShot()
    {
        var sha = _crypto.CreateSha256();
        sha.Append(Data, 0, 5);
        sha.Append(Data, 5, Data.Length - 5);
        Assert.Equal(SHA256.HashData(Data), sha.Finish());
        Assert.Throws<ObjectDisposedException>(() => sha.Finish());
    }

    [Fact]
    public void SignVerify_RoundTrip_WithDerSignatures()
    {
        _keys.GenerateKey("id1_key");
        Assert.True(_keys.HasKey("id1_key"));
        Assert.False(_keys.HasKey("id0_key"));
        byte[] spki = _keys.GetPublicKey("id1_key");
        byte[] signature = _keys.Sign("id1_key", Data);

        Assert.Equal(0x30, signature[0]); // DER SEQUENCE, not r||s
        Assert.True(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, signature));
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length - 1, signature)); // other data
        byte[] tampered = (byte[])signature.Clone();
        tampered[^1] ^= 1;
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, tampered));

        // The same key's signature in IEEE P1363 form (r||s) is not what the protocol carries: rejected.
        using var key = ECDsa.Create();
        key.ImportFromPem(_store.GetString("iotdev", "id1_key"));
        byte[] p1363 = key.SignData(Data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        Assert.Equal(64, p1363.Length);
        Assert.True(key.VerifyData(Data, p1363, HashAlgorithmName.SHA256)); // a valid signature...
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, p1363)); // ...in the wrong encoding
    }

    [Fact]
    public void Verify_IsFalse_ForMalformedOrForeignInput()
    {
        _keys.GenerateKey("id0_key");
        byte[] spki = _keys.GetPublicKey("id0_key");
        byte[] signature = _keys.Sign("id0_key", Data);
        Assert.False(_crypto.VerifyEcdsaP256Sha256([0x30, 0x03, 0x01, 0x02, 0x03], Data, 0, Data.Length, signature));
        Assert.False(_crypto.VerifyEcdsaP256Sha256([], Data, 0, Data.Length, signature));
        Assert.False(_crypto.VerifyEcdsaP256Sha256([.. spki, 0], Data, 0, Data.Length, signature)); // trailing byte
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki[..^3], Data, 0, Data.Length, signature)); // truncated
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, []));
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, [0x30, 0x00]));
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, -1, 3, signature));
        Assert.False(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length + 1, signature));
        Assert.False(_crypto.VerifyEcdsaP256Sha256(null!, Data, 0, Data.Length, signature));
        // A P-384 key is not accepted even with a valid P-384 signature.
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.False(_crypto.VerifyEcdsaP256Sha256(p384.ExportSubjectPublicKeyInfo(), Data, 0, Data.Length,
            p384.SignData(Data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
        // An RSA key neither.
        using var rsa = RSA.Create(2048);
        Assert.False(_crypto.VerifyEcdsaP256Sha256(rsa.ExportSubjectPublicKeyInfo(), Data, 0, Data.Length, signature));
    }

    [Fact]
    public void Csr_ParsesAndVerifies_WithTheKeysPublicKeyAndTheCommonName()
    {
        _keys.GenerateKey("id1_key");
        byte[] der = _keys.CreateCertificateRequest("id1_key", "dev-0001");

        var request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);

        Assert.Equal("CN=dev-0001", request.SubjectName.Name);
        Assert.Equal(_keys.GetPublicKey("id1_key"), request.PublicKey.ExportSubjectPublicKeyInfo());
        // A tampered CSR fails its self-signature check.
        byte[] tampered = (byte[])der.Clone();
        tampered[^10] ^= 0x55;
        Assert.ThrowsAny<CryptographicException>(() => CertificateRequest.LoadSigningRequest(tampered, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default));
    }

    [Fact]
    public void Key_LivesOnlyInTheStore_AsSec1Pem_AndSurvivesAReboot()
    {
        _keys.GenerateKey("id0_key");
        string? pem = _store.GetString("iotdev", "id0_key");
        Assert.NotNull(pem);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", pem);
        byte[] spki = _keys.GetPublicKey("id0_key");

        // A new adapter over the remounted NVS after a reboot has the same key: nothing is cached in the adapter.
        _device.Reboot();
        var keys = new HostDeviceKeys(new VirtualNvsSecureStore(_device.MountNvs()));
        Assert.Equal(spki, keys.GetPublicKey("id0_key"));
        byte[] signature = keys.Sign("id0_key", Data);
        Assert.True(_crypto.VerifyEcdsaP256Sha256(spki, Data, 0, Data.Length, signature));

        // GenerateKey replaces; a missing key is an error, not a new key.
        keys.GenerateKey("id0_key");
        Assert.NotEqual(spki, keys.GetPublicKey("id0_key"));
        Assert.Throws<InvalidOperationException>(() => keys.Sign("id1_key", Data));
        // And the flash dump has no plaintext key material.
        string body = pem!.Split('\n')[1];
        Assert.False(TestDevices.Contains(_device.Flash.Dump(), Encoding.ASCII.GetBytes(body)));
    }

    [Fact]
    public void FillRandom_FillsTheBuffer()
    {
        byte[] a = new byte[32], b = new byte[32];
        _crypto.FillRandom(a);
        _crypto.FillRandom(b);
        Assert.NotEqual(a, b);
        Assert.NotEqual(new byte[32], a);
    }
}
