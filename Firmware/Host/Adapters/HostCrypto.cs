using System.Security.Cryptography;
using IotDevice.Core.Platform;

namespace IotDevice.Host.Adapters;

/// <summary>
/// <see cref="ICrypto"/> on .NET: SHA-256 (IncrementalHash), ECDSA P-256 verification of DER (RFC 3279)
/// signatures, and the OS's CSPRNG. On the device the same calls go to mbedTLS and the hardware RNG.
/// </summary>
public sealed class HostCrypto : ICrypto
{
    public ISha256 CreateSha256() => new HostSha256();

    /// <summary>
    /// Threat: every byte here can come from the network (a renewal response, an OTA manifest). Any parse or
    /// crypto failure is "not valid" - never an exception that an attacker could use to skip a check -
    /// and only P-256 keys are accepted (a key on another curve, or RSA, is refused rather than trusted).
    /// </summary>
    public bool VerifyEcdsaP256Sha256(byte[] subjectPublicKeyInfo, byte[] data, int offset, int count, byte[] derSignature)
    {
        if (subjectPublicKeyInfo is null || data is null || derSignature is null)
            return false;
        if (offset < 0 || count < 0 || (long)offset + count > data.Length)
            return false;
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out int read);
            if (read != subjectPublicKeyInfo.Length)
                return false; // trailing bytes: not the DER the signer published
            ECParameters parameters = ecdsa.ExportParameters(false);
            if (!parameters.Curve.IsNamed || parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                return false;
            return ecdsa.VerifyData(data.AsSpan(offset, count), derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void FillRandom(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        RandomNumberGenerator.Fill(buffer);
    }

    private sealed class HostSha256 : ISha256
    {
        private IncrementalHash? _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Append(byte[] buffer, int offset, int count)
        {
            ObjectDisposedException.ThrowIf(_hash is null, this);
            _hash.AppendData(buffer, offset, count);
        }

        public byte[] Finish()
        {
            ObjectDisposedException.ThrowIf(_hash is null, this);
            byte[] digest = _hash.GetHashAndReset();
            _hash.Dispose();
            _hash = null;
            return digest;
        }
    }
}
