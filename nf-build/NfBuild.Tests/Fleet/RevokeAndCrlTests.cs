using System.Security.Cryptography.X509Certificates;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>`fleet revoke`, `fleet crl refresh`, `fleet list` and the CRL files.</summary>
public class RevokeAndCrlTests : IDisposable
{
    private readonly FleetWorkspace _ws = new();
    private readonly FleetDirectory _fleet;

    public RevokeAndCrlTests() => _fleet = _ws.Init();

    public void Dispose() => _ws.Dispose();

    private static System.Security.Cryptography.ECDsa IssuingKey(FleetDirectory fleet) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(fleet.IssuingCaCertificate)).GetECDsaPublicKey()!;

    [Fact]
    public void InitialCrl_IsEmpty_SignedByTheIssuingCa_Valid30Days()
    {
        CrlInfo crl = Crl.Read(_fleet);
        Assert.Empty(crl.RevokedSerials);
        using var key = IssuingKey(_fleet);
        Assert.True(crl.VerifySignature(key));
        Assert.Equal(TimeSpan.FromDays(30), crl.NextUpdate - crl.ThisUpdate);
        Assert.Equal(X509Certificate2.CreateFromPem(File.ReadAllText(_fleet.IssuingCaCertificate)).SubjectName.RawData, crl.Issuer.RawData);
    }

    [Fact]
    public void Revoke_PutsCurrentAndPendingSerialsOnTheResignedCrl_AndMarksTheRegistry()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-2");
        DeviceRecord before = _fleet.Registry.Get("sensor-1")!;
        string pending = CertificateSerials.ToHex(CertificateSerials.NewSerial());
        _fleet.Registry.MarkPending("sensor-1", pending, "", DateTimeOffset.UtcNow.AddDays(365), FallbackPasswords.Hash("x"));

        string text = _ws.Ok("fleet", "revoke", _ws.FleetDir, "sensor-1");

        CrlInfo crl = Crl.Read(_fleet);
        Assert.Contains(before.Serial, crl.RevokedSerials);
        Assert.Contains(pending, crl.RevokedSerials);
        Assert.DoesNotContain(_fleet.Registry.Get("sensor-2")!.Serial, crl.RevokedSerials);
        using var key = IssuingKey(_fleet);
        Assert.True(crl.VerifySignature(key));
        Assert.Equal(DeviceState.Revoked, _fleet.Registry.Get("sensor-1")!.State);
        Assert.Contains("still to do", text); // no broker admin wired
        Assert.Contains("delete user 'sensor-1'", text);
        string list = _ws.Ok("fleet", "list", _ws.FleetDir);
        Assert.Matches(@"sensor-1\s+[0-9a-f]{32}\s+\S+\s+revoked", list);
        Assert.Matches(@"sensor-2\s+[0-9a-f]{32}\s+\S+\s+active", list);
    }

    [Fact]
    public void Revoke_HashDirectoryFileIsTheSameCrl_NamedByTheIssuerHash()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        _ws.Ok("fleet", "revoke", _ws.FleetDir, "sensor-1");
        using var issuing = X509Certificate2.CreateFromPem(File.ReadAllText(_fleet.IssuingCaCertificate));
        string hashFile = Path.Combine(_fleet.CrlHashDirectory, X509NameHash.Compute(issuing.SubjectName) + ".r0");
        Assert.Equal(File.ReadAllText(_fleet.CrlFile), File.ReadAllText(hashFile));
        Assert.Single(Directory.GetFiles(_fleet.CrlHashDirectory));
    }

    [Fact]
    public void Revoke_OpenSslRejectsTheRevokedCertificate()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        string cert = Path.Combine(_fleet.DeviceBundleDirectory("sensor-1"), DeviceBundle.CertificateFile);
        if (FleetWorkspace.OpenSsl("version") is null)
        {
            Console.WriteLine("skipped: openssl is not installed");
            return;
        }
        Assert.Contains("OK", FleetWorkspace.OpenSsl("verify", "-crl_check", "-CRLfile", _fleet.CrlFile, "-CAfile", _fleet.RootCaCertificate, "-untrusted", _fleet.IssuingCaCertificate, cert));
        _ws.Ok("fleet", "revoke", _ws.FleetDir, "sensor-1");
        Assert.Throws<Xunit.Sdk.XunitException>(() => FleetWorkspace.OpenSsl("verify", "-crl_check", "-CRLfile", _fleet.CrlFile, "-CAfile", _fleet.RootCaCertificate, "-untrusted", _fleet.IssuingCaCertificate, cert));
    }

    [Fact]
    public void Revoke_UnknownDevice_Fails()
    {
        var (exit, _, err) = _ws.Run("fleet", "revoke", _ws.FleetDir, "nobody");
        Assert.Equal(1, exit);
        Assert.Equal("error: device 'nobody' is not in the registry", err.Trim());
    }

    [Fact]
    public void Revoke_Twice_IsHarmless()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        _ws.Ok("fleet", "revoke", _ws.FleetDir, "sensor-1");
        string again = _ws.Ok("fleet", "revoke", _ws.FleetDir, "sensor-1");
        Assert.Contains("already revoked", again);
        Assert.Single(Crl.Read(_fleet).RevokedSerials);
    }

    [Fact]
    public void Refresh_ResignsOnlyWhenFewerThan20DaysRemain()
    {
        using var pki = FleetPki.Open(_fleet);
        CrlInfo first = Crl.Read(_fleet);

        Assert.False(Crl.Refresh(_fleet, pki, first.ThisUpdate.AddDays(9)));   // 21 days left
        Assert.Equal(first.Der, Crl.Read(_fleet).Der);

        DateTimeOffset later = first.ThisUpdate.AddDays(11);                   // 19 days left
        Assert.True(Crl.Refresh(_fleet, pki, later));
        CrlInfo second = Crl.Read(_fleet);
        Assert.Equal(later, second.ThisUpdate);
        Assert.Equal(later.AddDays(30), second.NextUpdate);
        using var key = IssuingKey(_fleet);
        Assert.True(second.VerifySignature(key));
    }

    [Fact]
    public void RefreshCommand_ReportsFreshCrl_AndForceResigns()
    {
        Assert.Contains("not re-signed", _ws.Ok("fleet", "crl", "refresh", _ws.FleetDir));
        Assert.Contains("CRL re-signed", _ws.Ok("fleet", "crl", "refresh", _ws.FleetDir, "--force"));
    }

    [Fact]
    public void List_ShowsRenewalPending_AndNoSecrets()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        _fleet.Registry.MarkPending("sensor-1", CertificateSerials.ToHex(CertificateSerials.NewSerial()), "", DateTimeOffset.UtcNow.AddDays(365), FallbackPasswords.Hash("x"));
        string list = _ws.Ok("fleet", "list", _ws.FleetDir);
        Assert.Contains("renewal pending", list);
        Assert.DoesNotContain(_fleet.Registry.Get("sensor-1")!.FallbackPasswordHash, list);
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(_fleet.DeviceBundleDirectory("sensor-1"), DeviceBundle.FallbackPasswordFile)), list);
    }

    [Fact]
    public void Registry_CommitSerial_MakesThePendingIdentityCurrent()
    {
        _ws.Ok("fleet", "add-device", _ws.FleetDir, "sensor-1");
        string old = _fleet.Registry.Get("sensor-1")!.Serial;
        string next = CertificateSerials.ToHex(CertificateSerials.NewSerial());
        string hash = FallbackPasswords.Hash("new-password");
        _fleet.Registry.MarkPending("sensor-1", next, "AAAA", DateTimeOffset.UtcNow.AddDays(400), hash);

        Assert.Equal(old, _fleet.Registry.CommitSerial("sensor-1", next));
        DeviceRecord d = _fleet.Registry.Get("sensor-1")!;
        Assert.Equal((next, hash, "AAAA", (string?)null), (d.Serial, d.FallbackPasswordHash, d.Certificate, d.PendingSerial));
        Assert.Equal([old, next], d.Serials);
        Assert.Throws<FleetException>(() => _fleet.Registry.CommitSerial("sensor-1", next)); // nothing pending any more
    }
}
