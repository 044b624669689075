using System.Security.Cryptography;
using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// Fallback-broker passwords: generated here, stored on the device (NVS, encrypted) and in the broker
/// only as RabbitMQ's <c>rabbit_password_hashing_sha256</c> hash:
/// base64(salt ‖ SHA-256(salt ‖ UTF-8(password))) with a 4-byte random salt.
/// </summary>
public static class FallbackPasswords
{
    /// <summary>Random bytes per password: 192 bits, base64url without padding = 32 characters.</summary>
    public const int RandomBytes = 24;

    private const int SaltBytes = 4;

    /// <summary>RabbitMQ's name of the hash scheme (definitions' hashing_algorithm).</summary>
    public const string HashingAlgorithm = "rabbit_password_hashing_sha256";

    /// <summary>True when <paramref name="storedHash"/> has the form of a stored hash: base64 of a 4-byte
    /// salt and a 32-byte SHA-256.</summary>
    public static bool IsWellFormedHash(string storedHash)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(storedHash, buffer, out int n) && n == SaltBytes + SHA256.HashSizeInBytes;
    }

    /// <summary>
    /// A new random password of URL-safe characters (A-Z a-z 0-9 - _).
    /// Threat: RabbitMQ's hash is a single salted SHA-256, cheap to brute-force for a human password; a
    /// 192-bit random password makes the hash in the definitions useless to an attacker who reads it.
    /// URL-safe characters survive MQTT CONNECT, JSON, CSV and shell without escaping.
    /// </summary>
    public static string Generate() => Base64UrlEncode(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>The broker's stored form of <paramref name="password"/> with a fresh random salt.</summary>
    public static string Hash(string password) => Hash(password, RandomNumberGenerator.GetBytes(SaltBytes));

    /// <summary>The stored form with a given 4-byte salt (known-answer tests).</summary>
    public static string Hash(string password, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != SaltBytes)
            throw new ArgumentException("rabbit_password_hashing_sha256 uses a 4-byte salt", nameof(salt));
        byte[] pw = Encoding.UTF8.GetBytes(password);
        byte[] salted = [.. salt, .. pw];
        byte[] digest = SHA256.HashData(salted);
        return Convert.ToBase64String([.. salt, .. digest]);
    }

    /// <summary>True when <paramref name="password"/> matches <paramref name="storedHash"/> (constant-time compare).</summary>
    public static bool Verify(string password, string storedHash)
    {
        if (!IsWellFormedHash(storedHash))
            return false;
        byte[] stored = Convert.FromBase64String(storedHash);
        byte[] expected = Convert.FromBase64String(Hash(password, stored.AsSpan(0, SaltBytes)));
        return CryptographicOperations.FixedTimeEquals(expected, stored);
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
