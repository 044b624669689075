using System.Security.Cryptography;
using IotDevice.Core.Updates;
using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// The fleet's release signing key: ECDSA P-256, private key PKCS#8 PEM (0600) at <c>release/release.key</c>,
/// public key SubjectPublicKeyInfo PEM beside it (<c>release.pub.pem</c>, provisioned into NVS <c>rel_pubkey</c>).
/// Threat: the private key decides what code every device runs (the manifest names the hashes of the parts);
/// whoever holds it can ship malware to the whole fleet. Keep it on the signing host only, like the root CA key.
/// It is a separate key from the CA's: a stolen broker or issuing key cannot sign firmware, and the other way round.
/// </summary>
public static class ReleaseKey
{
    /// <summary>Creates the key pair; refuses to overwrite either file (a new key would strand every provisioned device).</summary>
    public static string Generate(string fleetDir)
    {
        var fleet = FleetDirectory.Open(fleetDir);
        string privatePath = ReleasePaths.PrivateKey(fleet.Root);
        string publicPath = ReleasePaths.PublicKey(fleet.Root);
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path))
                throw new ReleaseException($"{path} already exists: refusing to replace the release key (devices verify releases with the provisioned public key)");
        }
        SecureFiles.CreateDirectory(ReleasePaths.FleetReleaseDirectory(fleet.Root), SecureFiles.SecretDirectory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Public first: if writing the private key then fails, a rerun refuses (public exists) instead of silently
        // creating a key whose public half never got out; the operator deletes the stray public file.
        SecureFiles.WritePublic(publicPath, key.ExportSubjectPublicKeyInfoPem() + "\n");
        SecureFiles.WriteSecret(privatePath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return publicPath;
    }

    /// <summary>The private key, checked to be P-256 and to match the public key file.</summary>
    public static ECDsa LoadPrivate(string fleetRoot)
    {
        string path = ReleasePaths.PrivateKey(fleetRoot);
        if (!File.Exists(path))
            throw new ReleaseException($"release key {path} does not exist (create it with `nf-build release keygen`)");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            FleetPki.RequireP256(key, "release key");
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or FleetException)
        {
            key.Dispose();
            throw new ReleaseException($"release key {path} is not a P-256 private key: {ex.Message}");
        }
        byte[] publicSpki = LoadPublicSpki(fleetRoot);
        if (!publicSpki.AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new ReleaseException($"release key {path} does not match {ReleasePaths.PublicKey(fleetRoot)}");
        }
        return key;
    }

    /// <summary>SubjectPublicKeyInfo DER of the fleet's release public key, read as the device reads it (core <see cref="ReleaseSignature.PublicKeyFromPem"/>).</summary>
    public static byte[] LoadPublicSpki(string fleetRoot)
    {
        string path = ReleasePaths.PublicKey(fleetRoot);
        if (!File.Exists(path))
            throw new ReleaseException($"release public key {path} does not exist (create it with `nf-build release keygen`)");
        try
        {
            return ReleaseSignature.PublicKeyFromPem(File.ReadAllText(path));
        }
        catch (ReleaseManifestException ex)
        {
            throw new ReleaseException($"{path}: {ex.Message}");
        }
    }
}
