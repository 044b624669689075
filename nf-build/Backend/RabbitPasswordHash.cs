using System.Security.Cryptography;
using System.Text;

namespace NfBuild.Backend;

/// <summary>RabbitMQ's rabbit_password_hashing_sha256: base64(salt[4] || SHA-256(salt || UTF-8 password)).
/// Definitions carry only this hash, never the password.</summary>
public static class RabbitPasswordHash
{
    public const string Algorithm = "rabbit_password_hashing_sha256";

    public static string Compute(string password, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(4);
        if (salt.Length != 4)
            throw new ArgumentException("salt must be 4 bytes", nameof(salt));
        byte[] pw = Encoding.UTF8.GetBytes(password);
        byte[] digest = SHA256.HashData([.. salt, .. pw]);
        return Convert.ToBase64String([.. salt, .. digest]);
    }

    public static bool Verify(string password, string hash)
    {
        if (!IsWellFormed(hash))
            return false;
        byte[] raw = Convert.FromBase64String(hash);
        return CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(Compute(password, raw[..4])), raw);
    }

    public static bool IsWellFormed(string hash)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(hash, buffer, out int n) && n == 36;
    }
}
