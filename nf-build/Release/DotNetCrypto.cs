using System.Security.Cryptography;
using IotDevice.Core.Platform;

namespace NfBuild.Release;

/// <summary>
/// The firmware core's <see cref="ICrypto"/> on .NET, so `release create` and `release verify` check a release
/// through the very code path the device runs (<c>ReleaseSignature.VerifyAndParse</c>), with real ECDSA.
/// </summary>
public sealed class DotNetCrypto : ICrypto
{
    public ISha256 CreateSha256() => new Sha256(IncrementalHash.CreateHash(HashAlgorithmName.SHA256));

    public bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out int read);
            if (read != subjectPublicKeyInfo.Length || key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
                return false;
            return key.VerifyData(data.AsSpan(offset, count), derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void FillRandom(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    private sealed class Sha256(IncrementalHash hash) : ISha256
    {
        public void Append(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public byte[] Finish()
        {
            byte[] digest = hash.GetHashAndReset();
            hash.Dispose();
            return digest;
        }
    }
}
