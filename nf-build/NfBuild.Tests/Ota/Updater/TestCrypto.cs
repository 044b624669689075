using System.Security.Cryptography;
using IotDevice.Core.Platform;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>
/// ICrypto on .NET for these tests (real SHA-256 and ECDSA P-256 verification; the host branch's HostCrypto
/// is the product adapter, this one keeps the OTA tests independent of it).
/// </summary>
internal sealed class TestCrypto : ICrypto
{
    public ISha256 CreateSha256() => new Sha();

    public bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out int read);
            return read == subjectPublicKeyInfo.Length
                && ecdsa.VerifyData(data.AsSpan(offset, count), derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void FillRandom(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    private sealed class Sha : ISha256
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Append(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);

        public byte[] Finish()
        {
            byte[] digest = _hash.GetHashAndReset();
            _hash.Dispose();
            return digest;
        }
    }
}
