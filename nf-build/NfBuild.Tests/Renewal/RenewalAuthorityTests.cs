using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using NfBuild.Fleet;
using NfBuild.Renewal;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace NfBuild.Tests.Renewal;

/// <summary>
/// The renewal authority on a real fleet (PKI, registry, CRL) with real ECDSA: what it issues, what it
/// refuses and why, and the commit that follows the device's status.
/// </summary>
public sealed class RenewalAuthorityTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "renewal-authority-" + Guid.NewGuid().ToString("N"));
    private readonly FleetDirectory _fleet;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingPasswords _passwords = new();

    public RenewalAuthorityTests()
    {
        _fleet = FleetInitializer.Create(_root, new FleetInitOptions());
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-a", NotAfter = DateTimeOffset.UtcNow.AddDays(10) });
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-b", NotAfter = DateTimeOffset.UtcNow.AddDays(200) });
        _fleet = FleetDirectory.Open(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private RenewalAuthority Authority(RenewalAuthorityOptions? options = null) => new(_fleet, options, _clock, _passwords);

    private ECDsa CurrentKey(string id) => RenewalTestKit.CurrentKey(_fleet, id);

    private string Serial(string id) => _fleet.Registry.Get(id)!.Serial;

    private static string NewRequestId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A request as the device's RenewalClient builds it (core codec, PoP over the core's message).</summary>
    private RenewalRequest Request(string id, string kind, ECDsa signingKey, ECDsa? newKey = null, string? serial = null, DateTimeOffset? time = null, string? requestId = null, string? csrCn = null)
    {
        byte[]? csr = null;
        if (kind == RenewalRequest.KindRenew)
            csr = new CertificateRequest("CN=" + (csrCn ?? id), newKey!, HashAlgorithmName.SHA256).CreateSigningRequest();
        var request = new RenewalRequest
        {
            Kind = kind,
            DeviceId = id,
            Serial = serial ?? Serial(id),
            RequestId = requestId ?? NewRequestId(),
            Time = UtcTime.Format((time ?? _clock.GetUtcNow()).UtcDateTime),
            Csr = csr,
        };
        string csrHash = csr is null ? "" : Convert.ToHexStringLower(SHA256.HashData(csr));
        request.Pop = signingKey.SignData(request.PopMessage(csrHash), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return request;
    }

    private static RenewalResponse Answer(byte[]? bytes) => RenewalTestKit.Answer(bytes);

    [Fact]
    public void Standing_OfACertificateFarFromExpiry_IsOk()
    {
        using var key = CurrentKey("dev-b");
        var r = Answer(Authority().HandleRequest("dev-b", Request("dev-b", RenewalRequest.KindStanding, key).ToBytes()));
        Assert.Equal(("ok", "none"), (r.Status, r.Reason));
    }

    [Fact]
    public void Standing_InsideTheRenewalWindow_SaysRenew()
    {
        using var key = CurrentKey("dev-a"); // 10 days left, window 30
        var r = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindStanding, key).ToBytes()));
        Assert.Equal("renew", r.Status);
    }

    [Fact]
    public void Renew_IssuesACertificateForTheNewKey_ChainedToTheFleet_AndMarksItPending()
    {
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request("dev-a", RenewalRequest.KindRenew, key, newKey);
        var r = Answer(Authority().HandleRequest("dev-a", request.ToBytes()));

        Assert.Equal(("issued", "none"), (r.Status, r.Reason));
        Assert.Equal(request.RequestId, r.RequestId);
        using var cert = X509CertificateLoader.LoadCertificate(r.Certificate);
        Assert.Equal("dev-a", cert.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(newKey.ExportSubjectPublicKeyInfo(), cert.PublicKey.ExportSubjectPublicKeyInfo());
        using var issuing = X509CertificateLoader.LoadCertificate(r.Chain);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(_fleet.RootCaCertificate));
        chain.ChainPolicy.ExtraStore.Add(issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cert), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));

        var record = _fleet.Registry.Get("dev-a")!;
        Assert.Equal(CertificateSerials.Of(cert), record.PendingSerial);
        Assert.True(FallbackPasswords.Verify(r.FallbackPassword, record.PendingFallbackPasswordHash!));
        Assert.NotEqual(record.Serial, record.PendingSerial); // the old identity stays current until the commit
    }

    [Fact]
    public void Renew_WithAnExpiredCertificate_WithinGrace_IsIssued()
    {
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-old", NotAfter = DateTimeOffset.UtcNow.AddDays(-3) });
        using var key = CurrentKey("dev-old");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var r = Answer(Authority().HandleRequest("dev-old", Request("dev-old", RenewalRequest.KindRenew, key, newKey).ToBytes()));
        Assert.Equal("issued", r.Status);
    }

    [Fact]
    public void Renew_PastTheGracePeriod_IsRefused()
    {
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-gone", NotAfter = DateTimeOffset.UtcNow.AddDays(-31) });
        using var key = CurrentKey("dev-gone");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var r = Answer(Authority().HandleRequest("dev-gone", Request("dev-gone", RenewalRequest.KindRenew, key, newKey).ToBytes()));
        Assert.Equal(("refused", "expired-beyond-grace"), (r.Status, r.Reason));
    }

    [Fact]
    public void ProofOfPossession_ByAnotherKey_IsRefused_AndNothingIsIssued()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var r = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, stranger, newKey).ToBytes()));
        Assert.Equal(("refused", "bad-pop"), (r.Status, r.Reason));
        Assert.Null(_fleet.Registry.Get("dev-a")!.PendingSerial);
    }

    [Fact]
    public void ProofOfPossession_OverAnotherCsr_IsRefused()
    {
        // The PoP binds the CSR's hash: a CSR swapped in transit (another key) breaks it.
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request("dev-a", RenewalRequest.KindRenew, key, newKey);
        request.Csr = new CertificateRequest("CN=dev-a", attackerKey, HashAlgorithmName.SHA256).CreateSigningRequest();
        var r = Answer(Authority().HandleRequest("dev-a", request.ToBytes()));
        Assert.Equal(("refused", "bad-pop"), (r.Status, r.Reason));
    }

    [Fact]
    public void ReplayedRequestId_IsRefused()
    {
        var authority = Authority();
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] payload = Request("dev-a", RenewalRequest.KindRenew, key, newKey).ToBytes();
        Assert.Equal("issued", Answer(authority.HandleRequest("dev-a", payload)).Status);
        var again = Answer(authority.HandleRequest("dev-a", payload));
        Assert.Equal(("refused", "replayed"), (again.Status, again.Reason));
    }

    [Fact]
    public void StaleRequest_IsRefused()
    {
        using var key = CurrentKey("dev-a");
        var r = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindStanding, key, time: _clock.GetUtcNow().AddMinutes(-30)).ToBytes()));
        Assert.Equal(("refused", "stale"), (r.Status, r.Reason));
    }

    [Fact]
    public void RequestForAnotherDevice_IsRefused()
    {
        // dev-b publishes (routing key dev-b) a request naming dev-a, signed with dev-a's key even.
        using var key = CurrentKey("dev-a");
        var r = Answer(Authority().HandleRequest("dev-b", Request("dev-a", RenewalRequest.KindStanding, key).ToBytes()));
        Assert.Equal(("refused", "device-mismatch"), (r.Status, r.Reason));
        Assert.Equal("dev-b", r.DeviceId);
    }

    [Fact]
    public void CsrForAnotherCommonName_IsRefused()
    {
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var r = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, key, newKey, csrCn: "dev-b").ToBytes()));
        Assert.Equal(("refused", "bad-csr"), (r.Status, r.Reason));
    }

    [Fact]
    public void UnknownDevice_AndUnknownSerial_AreRefused()
    {
        using var key = CurrentKey("dev-a");
        var unknown = Answer(Authority().HandleRequest("dev-zzz", Request("dev-zzz", RenewalRequest.KindStanding, key, serial: "01").ToBytes()));
        Assert.Equal(("refused", "unknown-device"), (unknown.Status, unknown.Reason));
        var serial = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindStanding, key, serial: "0102").ToBytes()));
        Assert.Equal(("refused", "unknown-serial"), (serial.Status, serial.Reason));
    }

    [Fact]
    public void RevokedDevice_GetsNoCertificate()
    {
        DeviceRevocation.Revoke(_fleet, "dev-a");
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var r = Answer(Authority().HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, key, newKey).ToBytes()));
        Assert.Equal("revoked", r.Status);
        Assert.Null(r.Certificate);
        Assert.Null(_fleet.Registry.Get("dev-a")!.PendingSerial);
    }

    [Fact]
    public void CertificateRequests_AreRateLimitedPerDevice()
    {
        var authority = Authority(new RenewalAuthorityOptions { RenewRequestsPerWindow = 2 });
        using var key = CurrentKey("dev-a");
        string Status()
        {
            using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var r = Answer(authority.HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, key, newKey).ToBytes()));
            return r.Status + "/" + r.Reason;
        }
        Assert.Equal("issued/none", Status());
        Assert.Equal("issued/none", Status());
        Assert.Equal("refused/rate-limited", Status());
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("issued/none", Status());
    }

    [Fact]
    public void MalformedPayload_GetsNoAnswer()
    {
        Assert.Null(Authority().HandleRequest("dev-a", "iotdevice-renewal-request-v1\nkind=renew\n"u8.ToArray()));
    }

    [Fact]
    public void OnlineStatusWithTheNewSerial_Commits_RevokesTheOldSerial_AndRotatesTheFallbackPassword()
    {
        var authority = Authority();
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string oldSerial = Serial("dev-a");
        var issued = Answer(authority.HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, key, newKey).ToBytes()));
        string newSerial = _fleet.Registry.Get("dev-a")!.PendingSerial!;

        // The last will of the trial session carries the new serial but is no commit.
        Assert.False(authority.HandleStatus("dev-a", Status("offline", newSerial)));
        Assert.False(authority.HandleStatus("dev-a", Status("online", oldSerial)));
        Assert.Equal(oldSerial, Serial("dev-a"));

        Assert.True(authority.HandleStatus("dev-a", Status("online", newSerial)));
        var record = _fleet.Registry.Get("dev-a")!;
        Assert.Equal(newSerial, record.Serial);
        Assert.Null(record.PendingSerial);
        Assert.True(FallbackPasswords.Verify(issued.FallbackPassword, record.FallbackPasswordHash));
        Assert.Equal(("dev-a", record.FallbackPasswordHash), _passwords.Last);
        Assert.Contains(oldSerial, Crl.Read(_fleet).RevokedSerials);

        // The old key can no longer prove anything: its serial is no longer current.
        var stale = Answer(authority.HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindStanding, key, serial: oldSerial).ToBytes()));
        Assert.Equal(("refused", "unknown-serial"), (stale.Status, stale.Reason));
    }

    [Fact]
    public void A_commit_that_fails_half_way_is_completed_by_the_next_online_status()
    {
        // The fallback node's admin fails once (rabbitmqctl timeout, node restarting) during the commit.
        var failing = new FailingOncePasswords();
        var authority = new RenewalAuthority(_fleet, null, _clock, failing);
        using var key = CurrentKey("dev-a");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string oldSerial = Serial("dev-a");
        var issued = Answer(authority.HandleRequest("dev-a", Request("dev-a", RenewalRequest.KindRenew, key, newKey).ToBytes()));
        string newSerial = _fleet.Registry.Get("dev-a")!.PendingSerial!;

        Assert.Throws<IOException>(() => authority.HandleStatus("dev-a", Status("online", newSerial)));
        // Not recorded as committed: the commit is still pending, so it can be retried.
        Assert.Equal(newSerial, _fleet.Registry.Get("dev-a")!.PendingSerial);

        // The device's next online status (its next connect) completes it: registry, CRL and fallback password.
        Assert.True(authority.HandleStatus("dev-a", Status("online", newSerial)));
        var record = _fleet.Registry.Get("dev-a")!;
        Assert.Equal(newSerial, record.Serial);
        Assert.Null(record.PendingSerial);
        Assert.Contains(oldSerial, Crl.Read(_fleet).RevokedSerials);
        Assert.Equal(("dev-a", record.FallbackPasswordHash), failing.Last);
        Assert.True(FallbackPasswords.Verify(issued.FallbackPassword, record.FallbackPasswordHash));
        Assert.False(authority.HandleStatus("dev-a", Status("online", newSerial))); // done: nothing more to do
    }

    /// <summary>Issues a renewal to <paramref name="id"/>; returns (old serial, new serial, new fallback password).</summary>
    private (string Old, string New, string Password) IssueRenewal(RenewalAuthority authority, string id)
    {
        using var key = CurrentKey(id);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string old = Serial(id);
        var issued = Answer(authority.HandleRequest(id, Request(id, RenewalRequest.KindRenew, key, newKey).ToBytes()));
        return (old, _fleet.Registry.Get(id)!.PendingSerial!, issued.FallbackPassword);
    }

    [Fact]
    public void A_batch_of_statuses_commits_every_device_with_one_CRL_signing_and_one_password_write()
    {
        var passwords = new RecordingBatchPasswords();
        var authority = new RenewalAuthority(_fleet, null, _clock, passwords);
        var a = IssueRenewal(authority, "dev-a");
        var b = IssueRenewal(authority, "dev-b");
        var crlBefore = Crl.Read(_fleet);

        var committed = authority.HandleStatuses([
            new("dev-a", Status("online", a.New)),
            new("dev-b", Status("offline", b.New)), // a last will: no commit
            new("dev-b", Status("online", b.New)),
            new("dev-x", Status("online", b.New)), // unknown device
        ]);

        Assert.Equal(["dev-a", "dev-b"], committed.Order());
        Assert.Equal(a.New, Serial("dev-a"));
        Assert.Equal(b.New, Serial("dev-b"));
        var crl = Crl.Read(_fleet);
        Assert.Contains(a.Old, crl.RevokedSerials);
        Assert.Contains(b.Old, crl.RevokedSerials);
        Assert.True(crl.ThisUpdate >= crlBefore.ThisUpdate);
        var batch = Assert.Single(passwords.Batches);
        Assert.Equal(["dev-a", "dev-b"], batch.Select(p => p.Key).Order());
        Assert.True(FallbackPasswords.Verify(a.Password, batch.Single(p => p.Key == "dev-a").Value));
        Assert.True(FallbackPasswords.Verify(b.Password, batch.Single(p => p.Key == "dev-b").Value));
        Assert.Empty(authority.HandleStatuses([new("dev-a", Status("online", a.New))])); // idempotent: nothing left
    }

    [Fact]
    public async Task The_commit_batcher_commits_what_arrives_within_its_window_together_and_completes_each_message()
    {
        var passwords = new RecordingBatchPasswords();
        var authority = new RenewalAuthority(_fleet, null, _clock, passwords);
        var a = IssueRenewal(authority, "dev-a");
        var b = IssueRenewal(authority, "dev-b");
        await using var batcher = new RenewalCommitBatcher(authority, TimeSpan.FromSeconds(2));
        var done = new[]
        {
            batcher.SubmitAsync("dev-a", Status("online", a.New)),
            batcher.SubmitAsync("dev-b", Status("online", b.New)),
            batcher.SubmitAsync("dev-b", Status("online", "00")),
        };
        bool[] results = await Task.WhenAll(done);
        Assert.Equal(new[] { true, true, true }, results); // dev-b is committed, by its other message
        Assert.Equal(1, batcher.Batches);
        Assert.Single(passwords.Batches);
        Assert.Equal(a.New, Serial("dev-a"));
        Assert.Equal(b.New, Serial("dev-b"));
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_messages_and_leaves_the_commits_pending()
    {
        var authority = new RenewalAuthority(_fleet, null, _clock, new FailingOncePasswords());
        var a = IssueRenewal(authority, "dev-a");
        await using var batcher = new RenewalCommitBatcher(authority, TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<IOException>(() => batcher.SubmitAsync("dev-a", Status("online", a.New)));
        Assert.Equal(a.New, _fleet.Registry.Get("dev-a")!.PendingSerial);
        Assert.True(await batcher.SubmitAsync("dev-a", Status("online", a.New)));
        Assert.Equal(a.New, Serial("dev-a"));
    }

    private sealed class RecordingBatchPasswords : IFallbackPasswordSetter
    {
        public List<IReadOnlyList<KeyValuePair<string, string>>> Batches { get; } = [];

        public void SetFallbackPasswordHash(string deviceId, string passwordHash) => Batches.Add([new(deviceId, passwordHash)]);

        public void SetFallbackPasswordHashes(IReadOnlyList<KeyValuePair<string, string>> deviceHashes) => Batches.Add(deviceHashes.ToList());
    }

    private sealed class FailingOncePasswords : IFallbackPasswordSetter
    {
        private bool _failed;

        public (string Device, string Hash)? Last { get; private set; }

        public void SetFallbackPasswordHash(string deviceId, string passwordHash)
        {
            if (!_failed)
            {
                _failed = true;
                throw new IOException("fallback node unreachable");
            }
            Last = (deviceId, passwordHash);
        }
    }

    private static byte[] Status(string state, string serial) => new StatusReport
    {
        State = state,
        Version = "1.0.0",
        Slot = 0,
        Serial = serial,
        NotAfter = UtcTime.Format(DateTime.UtcNow.AddDays(365)),
        Renewal = "none",
        Ota = "none",
    }.ToBytes();

    private sealed class RecordingPasswords : IFallbackPasswordSetter
    {
        public (string Device, string Hash)? Last { get; private set; }

        public void SetFallbackPasswordHash(string deviceId, string passwordHash) => Last = (deviceId, passwordHash);
    }

}
