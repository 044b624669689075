using System.Security.Cryptography;
using Esp32.Formats.SecureBoot;
using Xunit;

namespace NfBuild.Tests.SecureBoot;

/// <summary>
/// Known answers from espsecure's own code (esptool master, espsecure/__init__.py: <c>_digest_sbv2_public_key</c>,
/// <c>_get_sbv2_rsa_primitives</c>, <c>generate_rsa_signature_block</c> plus the CRC and padding of
/// <c>generate_signature_block_using_private_key</c>), run with python-cryptography 48 on the key below and on the
/// 5000 bytes (i·31 mod 256) padded with 0xFF to 4 KB. PSS is randomised, so the block is one valid signature, not the
/// only one. The key is a throwaway generated for this test only; it signs nothing real.
/// </summary>
public class SecureBootV2EspsecureKnownAnswerTests
{
    private const string TestOnlyKeyPem = """
-----BEGIN RSA PRIVATE KEY-----
MIIG4wIBAAKCAYEA3a7k78hN5Gzz8GRgKGs0Oz6PEmKvfbEQRjYrf2JV542jyjyZ
Tn7PlRUaNdrvewsWGrtsuI3prKzPYMYNSRJe6ljPPTHzuj6zj2TY3dF7UTw6Sy8Z
lbMQ5D1Y9c0VANiIZwYsy3NzvG6JLluLeFZwggne+6V9TNWFRCcZBOFgihiUL+El
jwjqdExEduKNwOBGE0QPl/GsryFX3qy7tYngsrLFf+JnngTDJku/6L9MA7ZKUSSf
g+7PhLb6KQi9LuOVFzw0OuCJRarrx5gcteB+3JYDbhpUtPFR/7XmErTB7c+SKa1u
PI4icNe6tY3QbsHSW0B/0FsIyacr+d+Ivpr+7fZoU8eVOK+aY95AylPCp+ygHmcb
be/AG4STlqTtCzn51l9eLIve7FgNx2m5r415yOUTDies+0cmarbxfls0W4wxlAfO
wa/IgJZAg7jCC7NFPVam6GoRqcm/JEvG10RdWtlhv5Cyp/faldkOW8eYumT75Pxp
oJXRMEnwUq0YEsbTAgMBAAECggGANTwcqiBV5Dbt1ZqlJM+puVhqjyW3st1kZRf5
FhwNOQ/gd15aCmmVe92Xb7tlqwycgErl7uPVa6wMGNc2tYd915UAH1fxiZYpFJRJ
J+t4S6fE7+0dnb9knQrGZDCdjJhzGRp4g1r0PhnlQ4akVX+cgP3R2GiDUIIuAJHL
BksBHeiNHXpZxKGFe+wcvNfm5px094dunzRgHaZKLaUZZpz3orIfj3hVHbNTEc07
Bq95l6Kc8iNzUwF0QBCYvmXk2G+6GUHRvQJlgM7f6v6rCnGyj8/omteNJRcmM8rA
4quQT1SrOZf0Xgt07oKX59duLufWgHHyhxSlVjjoo0VxyLmPNnpDOp07X3VIuXHJ
wG+6uBDcd/ie/gMLl7050wABtq+EAziQ1iAotv8yTYU/yjwFpCuIYfAWp2IEDlAV
Zs9qVdqOFGXxuYwdsvgZSyccU5Vx5GKTObwjs+q0Imt6VsrPJrmXkzcev+EaWgca
NdML41/P5bB1PSnDPXFeQbRJPsQhAoHBAPxEeqaC1n/vU7m+3hqDX0yreMF8/iY8
Erdc0CBUg6eeyJQgJskhJxvQbbKlr8G+SVXwc88+ME4Oyuth0fcjJwqQsrvEAWwK
FdjuMkkRAwIspwJEH3IbUsQNaknMc1t485PhBENV8Y5FLQ1Lk14WoM3xrIzBvU5c
YowywdIYAdiDFXfJVNKZVrfe5YyJigcwqsO1wnoWlGL1HhgAlMXnU7NpeuzOdVHP
Q/DHc4YvT76uH+nmFOKUqAKOEbS5nXARuwKBwQDg9pHw87LJC4PaeEvlCdK6VMlq
7bG0JfwOAFNQGG128PL+e7ZKNakGX0M2QRJbIOwDYs1tXMxVftOy8VFv3kHhGJQ7
xrV1pLOSvLusRwYuhjgDwH35Y6SBIGdWHsRWfyq3iXGmDALq+XLaM8uPcTBcLAfo
rpJ6UVmUVufC07BkkgqG83QvFQZ5NaShvzeVWX2WvNgg6JiSGs0k5RAhvcInmpy7
roZ8hFwI8/8FIyOxpGR/CL/xlcva7Z30//THYckCgcEA3VHS7S0StREqOmbLAyXI
wUIa4l4ftzmzDe2+pu6exrtWrCX9AS412oAlDbuxE+A3BM+9OtALnx/5RUL/67uK
cAl81aDjwn6ipjxsH5BuPEUijKlpkTmJhnlii7Z0aocV4+JhVBYdo7zrBqQMeVqO
37+sq5z50brZtrh9NS5cyDBQ8FPROCbRXuWOLJsqXp6C4ssfAO+4ZY05RsOTwoDt
/RSIhSOo6ApYR/EkWFA/vUGUvCdgoVzcfclYnV7PUlgrAoHAK9L85UKkPpQWsJWk
u06plZD01/bMGnsX2iZoFH9du8D+pWK2RUikz8/5CPWuPMByGcrCmB5u0+zsErz+
D1vt24rtPaPdL7jRHrHToaEIbEHLYbe7Er09i8YjO1ytBOirCqwkzqMiYmIL5MQY
UK5NLHeLZuGzOU7ls4cmiQayIzVsBZQhuxZOd4hitPvKOTcAxz+snuSQ7E16T0is
VtZfn1V4WPuLyXADed8GfBq3VmDfDvxGYCq9Vr3ZeqPuLHU5AoHACxzCZWdFrIn4
B2z+pELDpO72KtuMWLosyo+Hz1g+/Jnfy0WWICZNVSV1ceC/gKUxIOIyz+mSlPzL
bZUkgvU24B8YN4sy2Dh3M+QrvStV5QNNbVnWvGGO+SMv2YLQDIz+3GF0XXfBJKUb
9z9G9D+RhEmPttDb6Ci+kvYbhw1RJbLEmBIx0QUeQoQ4poi/i9pWtrcugkipo5j2
Lvj13AREzYUzg4dfUD4oidgmdikuh92f60fM6s5CuHawY91qCqG8
-----END RSA PRIVATE KEY-----
""";

    // espsecure digest-sbv2-public-key on the key: the value burn-key-digest puts in BLOCK2.
    private const string PublicKeyDigest = "5216517c732732e8976c567658c0fd72fdaa5b75cb0acff9cda3a350dcb58bf0";

    private const string SignatureBlockHex = """
e70200002d6de39e60a7e4dcb3ed2728e8e32f151995d5f5f5df7910e1ae611a6f273000d3c61218ad52f04930d195a069fce4fb64ba98c75b0ed995daf7a7b2
90bf61d95a5d44d7c64b24bfc9a9116ae8a6563d45b30bc2b883409680c8afc1ce0794318c5b345b7ef1b66a2647fbac270e13e5c8798dafb969c70d58ecde8b
2c5e5fd6f9390beda49693841bc0ef6d1b671ea0eca7c253ca40de639aaf3895c75368f6edfe9abe88dff92ba7c9085bd07f405bd2c16ed08db5bad770228e3c
6ead2992cfedc1b412e6b5ff51f1b4541a6e0396dc7ee0b51c98c7ebaa4589e03a343c1795e32ebd0829fab684cfee839f24514ab6034cbfe8bf4b26c3049e67
e27fc5b2b2e089b5bbacde5721afacf1970f441346e0c08de276444c74ea088f25e12f94188a60e10419274485d54c7da5fbde09827056788b5b2e896ebc7373
cb2c066788d80015cdf5583de410b395192f4b3a3c517bd1ddd8648fb33ebaf3313dcf58ea5e12490dc660cfacace98db86cbb1a160b7befda351a1595cf7e4e
993ccaa38de755627f2b364610b17daf62128f3e3b346b286064f0f36ce44dc8efe4aedd01000100364cf2e695360b08c5f4f4e9d8b875d9d2f053b13025c954
7d76c5ae59ae6f170f72fbb59528f3bdf155ae4fa8c903b67fcb5f712d38a0c9e593d23fc3cd3d4f4349afe91496e3ceccd7602f0c064100aea84dac37c6c2fb
70d08a8b9fe0ca32a60c56a451d9825ba6bdccfd282b57bab7f2771f13273a38f3c8071e2a2ff38ae33688b3d8c9606b239a1cc75e971e5de53af1bd945e1a7d
fb015fe37ff4378f43f3c2eb3395c21858b8a68a350b3f006dad8187a788d9acc9bac54e399133fe4a47e9a5ac1ae5f8abb6cf565c7047a85c42f58054aeb889
33fdbf51087ab5c99a66f97be8df4b83e719cfdd44c7fe85914efb38c8721b0b5b790961d730340b70f6f7097488d784e2d7f0de52df0e83429ae47c1ebf8c1b
08679106b0f57311f19dfa3d72b2737b38e2c87e807c5a9c4b1e2cb9d24e52865d7ef34275409f5c6befad88bc1735c142c4297fe6339bedaf16a9936fc50cbb
005025c660d80723f25f3e14229dcf411ecfe3b789b1791075cca32176ed5d4f82d80fb25a0e98aca57e8e17ada049e610f9c7fab255b4758fc637c8ffadedb8
222ef3d6a4a1b5d3f125b4c16edb4cb0a707d4657d88aeac184e76cffaa1b585380a08e7a44a685e04a655c9ad0cbf1062134c6e75097c23ef9a9431c5e86020
7ec8ce624b611d6d700612b7637c31102169d8c749507083ddbcc1ee72e178d0e02dcb5c4c4d2ee8ff6771174d2b4d725dddc4ba8276764b14866efef7ce1dab
aeb501b49d3cab808ac7fec356ddbedfc8bbacb49668e469a04273ee95b83e93f43d858dddfdc2eca5c6fbe58640a429234b946207ddbb6ecf13393e093ce500
e253a736f1751b193ee79fe66aa1997ec8cfc8b4d32db19e5a3a2945dd32b2af6b41a3fbe650e7916b3115fcab651a664aa6bab672728139fc76a7aa67ca2c48
f3d2171c7dcd1d6eff0d761960492e89cfe3d78a4fa66b5f127ca4d1ae0c681ca71681505842e95488e30fae865e170f63de32cb4f1d9b5f8f00e9f4061b3b26
813e22db64146ad20ba536062d90038359ace60bf1ef2abe7769633d2cf57a00491e249926cf6d3689b2879ade4b766d00000000000000000000000000000000
""";

    private static byte[] Block => Convert.FromHexString(SignatureBlockHex.Replace("\n", "", StringComparison.Ordinal));

    private static byte[] SignedImage()
    {
        var image = new byte[8192 + 4096];
        image.AsSpan().Fill(0xFF);
        for (int i = 0; i < 5000; i++)
            image[i] = (byte)(i * 31);
        Block.CopyTo(image, 8192);
        return image;
    }

    [Fact]
    public void EspsecureSignedImage_PassesTheVerifier()
    {
        Assert.Null(SecureBootV2Verifier.Verify(SignedImage(), 5000, Convert.FromHexString(PublicKeyDigest)));
        Assert.NotNull(SecureBootV2Verifier.Verify(SignedImage(), 5000, new byte[32]));
    }

    [Fact]
    public void PublicKeyDigest_MatchesEspsecure()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestOnlyKeyPem);
        Assert.Equal(PublicKeyDigest, Convert.ToHexString(SecureBootV2PublicKey.FromRsa(rsa).Digest()).ToLowerInvariant());
    }

    [Fact]
    public void EspsecureBlock_ParsesAndReencodesByteForByte()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestOnlyKeyPem);
        var parsed = SecureBootV2SignatureBlock.TryParse(Block);
        Assert.NotNull(parsed);
        var ours = new SecureBootV2SignatureBlock(parsed.ImageDigest, SecureBootV2PublicKey.FromRsa(rsa), parsed.Signature);
        Assert.Equal(Block, ours.ToBytes());
        Assert.True(rsa.VerifyHash(parsed.ImageDigest, parsed.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
    }
}
