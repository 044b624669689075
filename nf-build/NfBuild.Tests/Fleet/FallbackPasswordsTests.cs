using System.Security.Cryptography;
using System.Text;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

public class FallbackPasswordsTests
{
    [Fact]
    public void Hash_IsRabbitSha256_KnownAnswer()
    {
        byte[] salt = [0x90, 0x8D, 0xC6, 0x0A];
        // By hand: base64(salt ++ SHA-256(salt ++ "test12")).
        byte[] digest = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes("test12")]);
        string expected = Convert.ToBase64String([.. salt, .. digest]);

        Assert.Equal(expected, FallbackPasswords.Hash("test12", salt));
        Assert.Equal(48, expected.Length); // 36 bytes
        Assert.True(FallbackPasswords.Verify("test12", expected));
        Assert.False(FallbackPasswords.Verify("test13", expected));
    }

    [Fact]
    public void Hash_MatchesRabbitMqsDocumentedExample()
    {
        // RabbitMQ docs ("Credentials and Passwords", computing a password hash): salt 908DC60A,
        // password "test12" -> kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR.
        Assert.Equal("kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR", FallbackPasswords.Hash("test12", [0x90, 0x8D, 0xC6, 0x0A]));
    }

    [Fact]
    public void Generate_Is192RandomBitsOfUrlSafeCharacters_WithFreshSalts()
    {
        string a = FallbackPasswords.Generate(), b = FallbackPasswords.Generate();
        Assert.Matches("^[A-Za-z0-9_-]{32}$", a);
        Assert.NotEqual(a, b);
        Assert.NotEqual(FallbackPasswords.Hash(a), FallbackPasswords.Hash(a));
        Assert.True(FallbackPasswords.Verify(a, FallbackPasswords.Hash(a)));
        Assert.False(FallbackPasswords.Verify(a, "not base64!"));
    }
}
