using System.Security.Cryptography;
using System.Text;
using IotDevice.Core.Updates;
using NfBuild.Fleet;
using NfBuild.Release;
using NfBuild.Tests.Fleet;
using Xunit;

namespace NfBuild.Tests.Release;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // asserts Unix file modes (0600)
public sealed class ReleaseKeygenTests
{
    [Fact]
    public void Keygen_WritesAP256KeyPair_OwnerOnlyPrivateKey_AndRefusesToReplaceIt()
    {
        using var w = new ReleaseWorkspace(keygen: false);
        var (exit, text, err) = w.Ws.Run("release", "keygen", w.FleetDir);
        Assert.True(exit == 0, err);
        Assert.Contains("rel_pubkey", text);
        string key = ReleasePaths.PrivateKey(w.FleetDir);
        string pub = ReleasePaths.PublicKey(w.FleetDir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(pub));
        using var ec = ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(key));
        Assert.Equal("1.2.840.10045.3.1.7", ec.ExportParameters(false).Curve.Oid.Value);
        // The public file is the private key's public half, in the form the device reads.
        Assert.Equal(ec.ExportSubjectPublicKeyInfo(), ReleaseSignature.PublicKeyFromPem(File.ReadAllText(pub)));
        Assert.DoesNotContain("PRIVATE", text);

        string before = File.ReadAllText(key);
        var (again, _, againErr) = w.Ws.Run("release", "keygen", w.FleetDir);
        Assert.Equal(1, again);
        Assert.StartsWith("error: ", againErr);
        Assert.Contains("already exists", againErr);
        Assert.Equal(before, File.ReadAllText(key));
    }

    [Fact]
    public void Keygen_RefusesAFolderThatIsNotAFleet()
    {
        using var ws = new FleetWorkspace();
        var (exit, _, err) = ws.Run("release", "keygen", ws.PathOf("nothing"));
        Assert.Equal(1, exit);
        Assert.Contains("not a fleet workspace", err);
    }
}

public sealed class ReleaseCreateTests
{
    [Fact]
    public void Create_WritesASignedRelease_ThatVerifiesWithIndependentCrypto()
    {
        using var w = new ReleaseWorkspace();
        string app = w.WriteApp("nanoCLR.bin", 0);
        string deploy = w.WriteDeploy("deploy.bin");
        string rel = w.PathOf("rel-1.4.0");
        var (exit, text, err) = w.Create(rel, "1.4.0", 0, app, deploy);
        Assert.True(exit == 0, err);
        Assert.Contains("version=1.4.0", text);

        byte[] manifest = File.ReadAllBytes(Path.Combine(rel, "manifest.txt"));
        byte[] sig = File.ReadAllBytes(Path.Combine(rel, "manifest.sig"));
        string appSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(app)));
        string deploySha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(deploy)));
        Assert.Equal(
            "iotdevice-release-v1\nversion=1.4.0\nsecure-version=0\nboard=lolin32\n" +
            $"app-size={new FileInfo(app).Length}\napp-sha256={appSha}\napp-url=https://localhost:18443/releases/1.4.0/app.bin\n" +
            $"deploy-size={new FileInfo(deploy).Length}\ndeploy-sha256={deploySha}\ndeploy-url=https://localhost:18443/releases/1.4.0/deploy.bin\n",
            Encoding.ASCII.GetString(manifest));
        Assert.Equal(File.ReadAllBytes(app), File.ReadAllBytes(Path.Combine(rel, "app.bin")));
        Assert.Equal(File.ReadAllBytes(deploy), File.ReadAllBytes(Path.Combine(rel, "deploy.bin")));

        // DER (RFC 3279) ECDSA P-256 / SHA-256 over the exact manifest bytes, checked with .NET directly...
        Assert.True(ReleaseSignature.IsStrictDer(sig));
        using var pub = ECDsa.Create();
        pub.ImportFromPem(File.ReadAllText(ReleasePaths.PublicKey(w.FleetDir)));
        Assert.True(pub.VerifyData(manifest, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var tampered = (byte[])manifest.Clone();
        tampered[^2] ^= 1;
        Assert.False(pub.VerifyData(tampered, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        // ...and with OpenSSL when it is installed.
        string? openssl = FleetWorkspace.OpenSsl("dgst", "-sha256", "-verify", ReleasePaths.PublicKey(w.FleetDir), "-signature", Path.Combine(rel, "manifest.sig"), Path.Combine(rel, "manifest.txt"));
        if (openssl is not null)
            Assert.Contains("Verified OK", openssl);

        Assert.Equal("0\n", File.ReadAllText(ReleasePaths.SecureVersionRecord(w.FleetDir)));
        var (vExit, vOut, vErr) = w.Ws.Run("release", "verify", rel, "--fleet", w.FleetDir);
        Assert.True(vExit == 0, vErr);
        Assert.Contains("release 1.4.0 (secure_version 0, board lolin32): OK", vOut);
        Assert.Empty(Directory.GetFileSystemEntries(w.Ws.Dir, ".rel-*"));
    }

    [Fact]
    public void Create_ReuseDeploy_ShipsOnlyTheApp_AndBaseUrlIsUsed()
    {
        using var w = new ReleaseWorkspace();
        string app = w.WriteApp("nanoCLR.bin", 0, "1.5.0");
        string deploy = w.WriteDeploy("deploy.bin");
        string rel = w.PathOf("rel");
        var (exit, _, err) = w.Create(rel, "1.5.0", 0, app, deploy, "--reuse-deploy", "--base-url", "https://fw.example.com:8443/iot");
        Assert.True(exit == 0, err);
        var m = ReleaseManifest.Parse(File.ReadAllBytes(Path.Combine(rel, "manifest.txt")));
        Assert.True(m.Deploy.Reuse);
        Assert.Equal(new FileInfo(deploy).Length, m.Deploy.Size);
        Assert.Equal("https://fw.example.com:8443/iot/releases/1.5.0/app.bin", m.App.Url);
        Assert.False(File.Exists(Path.Combine(rel, "deploy.bin")));
        Assert.Equal(0, w.Ws.Run("release", "verify", rel, "--fleet", w.FleetDir).Exit);
    }

    [Fact]
    public void Create_ReuseApp_StillChecksTheImage()
    {
        using var w = new ReleaseWorkspace();
        string app = w.WriteApp("nanoCLR.bin", 0);
        string deploy = w.WriteDeploy("deploy.bin");
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "1.4.1", 0, app, deploy, "--reuse-app").Exit);
        Assert.False(File.Exists(Path.Combine(rel, "app.bin")));
        Assert.True(ReleaseManifest.Parse(File.ReadAllBytes(Path.Combine(rel, "manifest.txt"))).App.Reuse);
        var (exit, _, err) = w.Create(w.PathOf("rel2"), "1.4.2", 1, app, deploy, "--reuse-app", "--bump-secure-version");
        Assert.Equal(1, exit);
        Assert.Contains("does not match the app image's esp_app_desc_t.secure_version 0", err);
    }

    [Fact]
    public void Create_SecureVersionRules_RequireBumpToRaise_AndRefuseLowering()
    {
        using var w = new ReleaseWorkspace();
        string deploy = w.WriteDeploy("deploy.bin");
        string app0 = w.WriteApp("app0.bin", 0);
        string app1 = w.WriteApp("app1.bin", 1);
        string app3 = w.WriteApp("app3.bin", 3);
        Assert.Equal(0, w.Create(w.PathOf("r0"), "1.0.0", 0, app0, deploy).Exit);

        var (raise, _, raiseErr) = w.Create(w.PathOf("r1"), "1.1.0", 1, app1, deploy);
        Assert.Equal(1, raise);
        Assert.Contains("pass --bump-secure-version", raiseErr);
        Assert.False(Directory.Exists(w.PathOf("r1")));
        Assert.Equal("0\n", File.ReadAllText(ReleasePaths.SecureVersionRecord(w.FleetDir)));

        var (bumped, bumpOut, bumpErr) = w.Create(w.PathOf("r1"), "1.1.0", 1, app1, deploy, "--bump-secure-version");
        Assert.True(bumped == 0, bumpErr);
        Assert.Contains("raised from 0 to 1", bumpOut);
        Assert.Equal("1\n", File.ReadAllText(ReleasePaths.SecureVersionRecord(w.FleetDir)));

        var (lower, _, lowerErr) = w.Create(w.PathOf("r2"), "1.2.0", 0, app0, deploy, "--bump-secure-version");
        Assert.Equal(1, lower);
        Assert.Contains("below the fleet's current 1", lowerErr);

        var (same, _, sameErr) = w.Create(w.PathOf("r3"), "1.2.0", 1, app1, deploy, "--bump-secure-version");
        Assert.Equal(1, same);
        Assert.Contains("equals the fleet's current", sameErr);

        Assert.Equal(0, w.Create(w.PathOf("r4"), "1.2.0", 1, app1, deploy).Exit);

        var (jump, _, jumpErr) = w.Create(w.PathOf("r5"), "1.3.0", 3, app3, deploy, "--bump-secure-version");
        Assert.True(jump == 0, jumpErr);
        Assert.Contains("2 of the 32 eFuse bits", jumpErr);
    }

    [Fact]
    public void Create_RefusesASecureVersionTheEfuseCannotHold()
    {
        using var w = new ReleaseWorkspace();
        string deploy = w.WriteDeploy("deploy.bin");
        var (exit, _, err) = w.Create(w.PathOf("r"), "1.0.0", 33, w.WriteApp("a33.bin", 33), deploy, "--bump-secure-version");
        Assert.Equal(1, exit);
        Assert.Contains("above 32", err);
        Assert.Contains("anti-rollback eFuse", err);
        Assert.False(Directory.Exists(w.PathOf("r")));
        // 32 itself is the last value the field holds.
        Assert.Equal(0, w.Create(w.PathOf("r32"), "1.0.0", 32, w.WriteApp("a32.bin", 32), deploy, "--bump-secure-version").Exit);
    }

    [Fact]
    public void Create_RequiresTheManifestSecureVersionToBeTheImages()
    {
        using var w = new ReleaseWorkspace();
        string deploy = w.WriteDeploy("deploy.bin");
        var (exit, _, err) = w.Create(w.PathOf("r"), "1.0.0", 2, w.WriteApp("a.bin", 1), deploy, "--bump-secure-version");
        Assert.Equal(1, exit);
        Assert.Contains("--secure-version 2 does not match the app image's esp_app_desc_t.secure_version 1", err);
    }

    [Theory]
    [InlineData("1.4", "not major.minor.patch")]
    [InlineData("v1.4.0", "not canonical")]
    [InlineData("1.04.0", "not canonical")]
    [InlineData("1.4.x", "non-digit")]
    public void Create_RefusesBadVersions(string version, string expected)
    {
        using var w = new ReleaseWorkspace();
        var (exit, _, err) = w.Create(w.PathOf("r"), version, 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin"));
        Assert.Equal(1, exit);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(w.PathOf("r")));
    }

    [Fact]
    public void Create_RefusesBadInputs()
    {
        using var w = new ReleaseWorkspace();
        string app = w.WriteApp("a.bin", 0);
        string deploy = w.WriteDeploy("d.bin");

        static void Refused((int Exit, string Out, string Err) r, string expected)
        {
            Assert.Equal(1, r.Exit);
            Assert.StartsWith("error: ", r.Err);
            Assert.Contains(expected, r.Err);
        }

        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, app, deploy, "--reuse-app", "--reuse-deploy"), "would install nothing");
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, app, deploy, "--base-url", "http://localhost:18443/"), "bad-url");
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, app, deploy, "--base-url", "https://user@evil/"), "bad-url");
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, w.PathOf("missing.bin"), deploy), "does not exist");
        File.WriteAllBytes(w.PathOf("empty.bin"), []);
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, app, w.PathOf("empty.bin")), "is empty");
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, deploy, deploy), "invalid magic byte");
        byte[] corrupt = File.ReadAllBytes(app);
        corrupt[0x40] ^= 0xFF;
        File.WriteAllBytes(w.PathOf("corrupt.bin"), corrupt);
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, w.PathOf("corrupt.bin"), deploy), "does not verify");
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, w.WriteApp("nohash.bin", 0, appendSha: false), deploy), "no appended SHA-256");
        Assert.False(Directory.Exists(w.PathOf("r")));

        Directory.CreateDirectory(w.PathOf("exists"));
        Refused(w.Create(w.PathOf("exists"), "1.0.0", 0, app, deploy), "already exists");

        File.Delete(ReleasePaths.PrivateKey(w.FleetDir));
        Refused(w.Create(w.PathOf("r"), "1.0.0", 0, app, deploy), "release keygen");
        Assert.False(Directory.Exists(w.PathOf("r")));
    }

    [Fact]
    public void Create_RefusesAPrivateKeyThatIsNotTheFleetsPublicKey()
    {
        using var w = new ReleaseWorkspace();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(ReleasePaths.PrivateKey(w.FleetDir), other.ExportPkcs8PrivateKeyPem());
        var (exit, _, err) = w.Create(w.PathOf("r"), "1.0.0", 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin"));
        Assert.Equal(1, exit);
        Assert.Contains("does not match", err);
    }
}

public sealed class ReleaseVerifyTests
{
    private static (ReleaseWorkspace W, string Rel) Released()
    {
        var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        var r = w.Create(rel, "2.0.0", 0, w.WriteApp("a.bin", 0, "2.0.0"), w.WriteDeploy("d.bin"));
        Assert.True(r.Exit == 0, r.Err);
        return (w, rel);
    }

    private static void Fails(ReleaseWorkspace w, string rel, string expected, string? fleet = null)
    {
        var (exit, _, err) = w.Ws.Run("release", "verify", rel, "--fleet", fleet ?? w.FleetDir);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", err);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void Verify_RefusesAChangedManifest()
    {
        var (w, rel) = Released();
        using var _ = w;
        string path = Path.Combine(rel, "manifest.txt");
        string text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("secure-version=0", "secure-version=1"));
        Fails(w, rel, "bad-signature");
        File.WriteAllText(path, text + "extra=1\n");
        Fails(w, rel, "bad-signature");
    }

    [Fact]
    public void Verify_RefusesASignatureByAnotherKey_AndAMissingOrNonDerSignature()
    {
        var (w, rel) = Released();
        using var _ = w;
        using var other = new ReleaseWorkspace();
        Fails(w, rel, "bad-signature", other.FleetDir);

        string sig = Path.Combine(rel, "manifest.sig");
        byte[] der = File.ReadAllBytes(sig);
        // The same (r, s) as IEEE P1363 r||s is not the contract's DER: refused.
        File.WriteAllBytes(sig, ReleaseSignature.DerToRaw(der));
        Fails(w, rel, "bad-signature");
        File.Delete(sig);
        Fails(w, rel, "manifest.sig does not exist");
    }

    [Fact]
    public void Verify_RefusesChangedOrMissingParts()
    {
        var (w, rel) = Released();
        using var _ = w;
        string app = Path.Combine(rel, "app.bin");
        byte[] original = File.ReadAllBytes(app);
        byte[] flipped = (byte[])original.Clone();
        flipped[100] ^= 1;
        File.WriteAllBytes(app, flipped);
        Fails(w, rel, "has SHA-256");
        File.WriteAllBytes(app, original[..^1]);
        Fails(w, rel, "bytes, the manifest says");
        File.Delete(app);
        Fails(w, rel, "app.bin is missing");
        File.WriteAllBytes(app, original);
        Assert.Equal(0, w.Ws.Run("release", "verify", rel, "--fleet", w.FleetDir).Exit);
        File.WriteAllBytes(Path.Combine(rel, "deploy.bin"), [1, 2, 3]);
        Fails(w, rel, "deploy.bin is 3 bytes");
    }

    [Fact]
    public void Verify_RefusesAPartBesideAReusedOne()
    {
        using var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        string deploy = w.WriteDeploy("d.bin");
        Assert.Equal(0, w.Create(rel, "2.0.0", 0, w.WriteApp("a.bin", 0), deploy, "--reuse-deploy").Exit);
        File.Copy(deploy, Path.Combine(rel, "deploy.bin"));
        Fails(w, rel, "reuses the running deploy");
    }

    [Fact]
    public void Verify_RefusesASignedManifestWhoseImageDisagrees()
    {
        // A release signed by the fleet key whose manifest says secure-version 1 while the image says 0:
        // only a hand-made (or buggy) release can look like this, and verify must catch it.
        var (w, rel) = Released();
        using var _ = w;
        var m = ReleaseManifest.Parse(File.ReadAllBytes(Path.Combine(rel, "manifest.txt")));
        byte[] bytes = new ReleaseManifest(m.Version, 1, m.Board, m.App, m.Deploy).ToBytes();
        using var key = ReleaseKey.LoadPrivate(w.FleetDir);
        File.WriteAllBytes(Path.Combine(rel, "manifest.txt"), bytes);
        File.WriteAllBytes(Path.Combine(rel, "manifest.sig"), key.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Fails(w, rel, "does not match the app image's esp_app_desc_t.secure_version 0");
    }
}

public sealed class ReleasePublishTests
{
    [Fact]
    public void Publish_CopiesTheVerifiedRelease_IntoTheDocumentRoot_Once()
    {
        using var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "3.1.0", 0, w.WriteApp("a.bin", 0, "3.1.0"), w.WriteDeploy("d.bin")).Exit);
        var (exit, text, err) = w.Ws.Run("release", "publish", rel, "--fleet", w.FleetDir);
        Assert.True(exit == 0, err);
        Assert.Equal("", err);
        string published = Path.Combine(w.FleetDir, "backend", "apache", "htdocs", "releases", "3.1.0");
        Assert.Contains(published, text);
        foreach (var f in new[] { "manifest.txt", "manifest.sig", "app.bin", "deploy.bin" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(rel, f)), File.ReadAllBytes(Path.Combine(published, f)));
        Assert.Equal(0, w.Ws.Run("release", "verify", published, "--fleet", w.FleetDir).Exit);
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(published)!, ".*"));

        var (again, _, againErr) = w.Ws.Run("release", "publish", rel, "--fleet", w.FleetDir);
        Assert.Equal(1, again);
        Assert.Contains("already published", againErr);
    }

    [Fact]
    public void Publish_RefusesAReleaseThatDoesNotVerify_AndLeavesNothing()
    {
        using var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "3.2.0", 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin")).Exit);
        byte[] deploy = File.ReadAllBytes(Path.Combine(rel, "deploy.bin"));
        deploy[0] ^= 1;
        File.WriteAllBytes(Path.Combine(rel, "deploy.bin"), deploy);
        var (exit, _, err) = w.Ws.Run("release", "publish", rel, "--fleet", w.FleetDir);
        Assert.Equal(1, exit);
        Assert.Contains("has SHA-256", err);
        Assert.False(Directory.Exists(ReleasePaths.PublishedRelease(w.FleetDir, "3.2.0")));
    }

    [Fact]
    public void Publish_OfAReuseRelease_ShipsNoReusedPart()
    {
        using var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "3.3.0", 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin"), "--reuse-deploy").Exit);
        var (exit, _, err) = w.Ws.Run("release", "publish", rel, "--fleet", w.FleetDir);
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.False(File.Exists(Path.Combine(ReleasePaths.PublishedRelease(w.FleetDir, "3.3.0"), "deploy.bin")));
    }

    [Fact]
    public void Rollout_RefusesAnUnpublishedRelease_AnUnknownOrRevokedDevice_AndAPublishedVersionWithOtherBytes()
    {
        using var w = new ReleaseWorkspace();
        string rel = w.PathOf("rel");
        Assert.Equal(0, w.Create(rel, "3.4.0", 0, w.WriteApp("a.bin", 0), w.WriteDeploy("d.bin"), "--base-url", "https://fw.example.test:8443/").Exit);
        w.Ws.Ok("fleet", "add-device", w.FleetDir, "sensor-1");
        w.Ws.Ok("fleet", "add-device", w.FleetDir, "sensor-2");
        w.Ws.Ok("fleet", "revoke", w.FleetDir, "sensor-2");
        void Refused(string device, string expected, string? dir = null)
        {
            var (exit, output, err) = w.Ws.Run("release", "rollout", w.FleetDir, dir ?? rel, "--device", device);
            Assert.Equal(1, exit);
            Assert.Equal("", output);
            Assert.StartsWith("error: ", err);
            Assert.Contains(expected, err);
        }
        Refused("sensor-1", "release 3.4.0 is not published");
        Refused("sensor-9", "device 'sensor-9' is not registered");
        Refused("sensor-2", "device 'sensor-2' is revoked");
        Refused("operator", "reserved for the operator");

        // Published, the URL is derived from the part URLs; no broker listens on the primary endpoint, so no PUBACK: exit 1.
        w.Ws.Ok("release", "publish", rel, "--fleet", w.FleetDir);
        var fleet = FleetDirectory.Open(w.FleetDir);
        var settings = fleet.Settings;
        settings.PrimaryEndpoints = [$"127.0.0.1:{NfBuild.Tests.Backend.TestFleet.FreePorts(1)[0]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        var verification = ReleaseVerifier.Verify(rel, w.FleetDir);
        Assert.Equal("https://fw.example.test:8443/releases/3.4.0/manifest.txt", NfBuild.Backend.ReleaseRollout.PublishedManifestUrl(fleet, verification));
        Refused("sensor-1", "was not acknowledged by the primary");

        // Another release with the same version: the published bytes are not these.
        string other = w.PathOf("other");
        Assert.Equal(0, w.Create(other, "3.4.0", 0, w.WriteApp("b.bin", 0), w.WriteDeploy("e.bin", seed: 3), "--base-url", "https://fw.example.test:8443/").Exit);
        Refused("sensor-1", "is not this release", other);
    }
}
