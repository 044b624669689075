using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using NfBuild.Fleet;
using NfBuild.Renewal;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace NfBuild.Tests.Renewal;

/// <summary>
/// Several renewal-service instances on one fleet directory (each its own <see cref="RenewalAuthority"/>, so its own
/// in-memory replay guard and rate limiter, as separate processes would have): the registry decides issuance for all of
/// them. A request handled by two instances, or redelivered after the first instance died before its ack, is issued
/// once; the per-device issuance limit holds across instances; racing threads issue once; old registries still load.
/// </summary>
public sealed class SharedIssuanceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "renewal-shared-" + Guid.NewGuid().ToString("N"));
    private readonly FleetDirectory _fleet;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public SharedIssuanceTests()
    {
        _fleet = FleetInitializer.Create(_root, new FleetInitOptions());
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-a", NotAfter = DateTimeOffset.UtcNow.AddDays(10) });
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-b", NotAfter = DateTimeOffset.UtcNow.AddDays(10) });
        _fleet = FleetDirectory.Open(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>An instance as a separate process would run it: its own fleet handle, authority and in-memory guards.</summary>
    private RenewalAuthority Instance(RenewalAuthorityOptions? options = null) => new(FleetDirectory.Open(_root), options, _clock);

    private ECDsa CurrentKey(string id) => RenewalTestKit.CurrentKey(_fleet, id);

    private DeviceRecord Record(string id) => _fleet.Registry.Get(id)!;

    /// <summary>A renew request as the device's RenewalClient builds it (PoP by the current key over the CSR's hash).</summary>
    private byte[] RenewRequest(string id, ECDsa currentKey, string? serial = null)
    {
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = new CertificateRequest("CN=" + id, newKey, HashAlgorithmName.SHA256).CreateSigningRequest();
        var request = new RenewalRequest
        {
            Kind = RenewalRequest.KindRenew,
            DeviceId = id,
            Serial = serial ?? Record(id).Serial,
            RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Time = UtcTime.Format(_clock.GetUtcNow().UtcDateTime),
            Csr = csr,
        };
        request.Pop = currentKey.SignData(request.PopMessage(Convert.ToHexStringLower(SHA256.HashData(csr))), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return request.ToBytes();
    }

    private static RenewalResponse Answer(byte[]? bytes) => RenewalTestKit.Answer(bytes);

    private static string Word(RenewalResponse r) => r.Status + "/" + r.Reason;

    private static string SerialOf(RenewalResponse issued)
    {
        using var cert = X509CertificateLoader.LoadCertificate(issued.Certificate);
        return CertificateSerials.Of(cert);
    }

    private static byte[] OnlineStatus(string serial) => new StatusReport
    {
        State = "online",
        Version = "1.0.0",
        Slot = 1,
        Serial = serial,
        NotAfter = UtcTime.Format(DateTime.UtcNow.AddDays(365)),
        Renewal = "renewed",
        Ota = "none",
    }.ToBytes();

    [Fact]
    public void A_request_replayed_to_another_instance_is_refused_and_the_pending_serial_stays()
    {
        var a = Instance();
        var b = Instance();
        using var key = CurrentKey("dev-a");
        byte[] payload = RenewRequest("dev-a", key);

        var first = Answer(a.HandleRequest("dev-a", payload));
        Assert.Equal("issued/none", Word(first));
        string pending = Record("dev-a").PendingSerial!;
        Assert.Equal(SerialOf(first), pending);

        var replayed = Answer(b.HandleRequest("dev-a", payload));
        Assert.Equal("refused/replayed", Word(replayed));
        Assert.Null(replayed.Certificate);
        var record = Record("dev-a");
        Assert.Equal(pending, record.PendingSerial);
        Assert.True(FallbackPasswords.Verify(first.FallbackPassword, record.PendingFallbackPasswordHash!));
        Assert.Equal(2, record.Serials.Count); // provisioned + the one issued: nothing was added for the replay
        var issuance = Assert.Single(record.Issuances!);
        Assert.Equal(RenewalRequest.Parse(payload).RequestId, issuance.Request);
    }

    [Fact]
    public void A_redelivered_request_issues_nothing_before_or_after_the_device_committed_the_first_answer()
    {
        // Instance a answers (its answer reaches the device) and dies before its ack: the broker gives the request to b.
        var a = Instance();
        var b = Instance();
        var c = Instance();
        using var key = CurrentKey("dev-a");
        string oldSerial = Record("dev-a").Serial;
        byte[] payload = RenewRequest("dev-a", key);
        var first = Answer(a.HandleRequest("dev-a", payload));
        Assert.Equal("issued", first.Status);
        string issued = SerialOf(first);

        var redelivered = Answer(b.HandleRequest("dev-a", payload));
        Assert.Equal("refused/replayed", Word(redelivered));
        Assert.Equal(RenewalRequest.Parse(payload).RequestId, redelivered.RequestId);
        Assert.Equal(issued, Record("dev-a").PendingSerial);

        // The device took the first answer and commits its serial: the registry still has exactly that one pending.
        Assert.True(b.HandleStatus("dev-a", OnlineStatus(issued)));
        var committed = Record("dev-a");
        Assert.Equal(issued, committed.Serial);
        Assert.Null(committed.PendingSerial);
        Assert.True(FallbackPasswords.Verify(first.FallbackPassword, committed.FallbackPasswordHash));
        Assert.Contains(oldSerial, Crl.Read(_fleet).RevokedSerials);

        // Redelivered once more (b died too) after the commit: still "replayed", nothing pending, nothing changed.
        var late = Answer(c.HandleRequest("dev-a", payload));
        Assert.Equal("refused/replayed", Word(late));
        Assert.Equal(issued, Record("dev-a").Serial);
        Assert.Null(Record("dev-a").PendingSerial);
    }

    [Fact]
    public void The_issuance_limit_holds_across_instances_and_old_issuances_are_pruned()
    {
        var options = new RenewalAuthorityOptions { RenewRequestsPerWindow = 3 };
        var a = Instance(options);
        var b = Instance(options);
        using var key = CurrentKey("dev-a");
        // Alternating: each instance sees at most 3 requests, so its own limiter alone would pass all of them.
        var words = new List<string>();
        for (int i = 0; i < 5; i++)
            words.Add(Word(Answer((i % 2 == 0 ? a : b).HandleRequest("dev-a", RenewRequest("dev-a", key)))));
        Assert.Equal(["issued/none", "issued/none", "issued/none", "refused/rate-limited", "refused/rate-limited"], words);
        Assert.Equal(3, Record("dev-a").Issuances!.Count);
        Assert.Equal("issued/none", Word(Answer(a.HandleRequest("dev-b", RenewRequest("dev-b", CurrentKey("dev-b")))))); // per device

        // A window later the device may renew again; the issuances older than the window are dropped from its record.
        _clock.Advance(options.RateWindow);
        Assert.Equal("issued/none", Word(Answer(b.HandleRequest("dev-a", RenewRequest("dev-a", key)))));
        var issuance = Assert.Single(Record("dev-a").Issuances!);
        Assert.Equal(_clock.GetUtcNow(), issuance.IssuedUtc);
    }

    /// <summary>The same request handled by each instance on its own thread, released together; the answers in instance order.</summary>
    private static RenewalResponse[] Race(RenewalAuthority[] instances, string deviceId, byte[] payload)
    {
        var answers = new RenewalResponse[instances.Length];
        using var start = new Barrier(instances.Length);
        var threads = Enumerable.Range(0, instances.Length).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            answers[i] = Answer(instances[i].HandleRequest(deviceId, payload));
        })).ToArray();
        foreach (var t in threads)
            t.Start();
        foreach (var t in threads)
            t.Join();
        return answers;
    }

    [Fact]
    public void Two_instances_racing_the_same_request_issue_exactly_once()
    {
        using var key = CurrentKey("dev-a");
        for (int round = 0; round < 6; round++)
        {
            var answers = Race([Instance(), Instance()], "dev-a", RenewRequest("dev-a", key));

            Assert.Equal(["issued/none", "refused/replayed"], answers.Select(Word).Order());
            var winner = answers.Single(r => r.Status == "issued");
            var record = Record("dev-a");
            Assert.Equal(SerialOf(winner), record.PendingSerial);
            Assert.True(FallbackPasswords.Verify(winner.FallbackPassword, record.PendingFallbackPasswordHash!));
            _clock.Advance(TimeSpan.FromHours(1)); // next round: a fresh rate window
        }
    }

    [Fact]
    public void Instances_that_share_only_the_files_race_a_request_and_issue_exactly_once()
    {
        // As two processes: the second instance opens the fleet through a symbolic link, so its registry path differs
        // and it shares none of this process's per-path state (group commit, parse cache); only the lock file on disk
        // (the same file) orders the two instances' pending writes.
        string link = _root + "-link";
        Directory.CreateSymbolicLink(link, _root);
        try
        {
            var other = FleetDirectory.Open(link);
            Assert.NotEqual(_fleet.Registry.Path, other.Registry.Path);
            using var key = CurrentKey("dev-a");
            for (int round = 0; round < 6; round++)
            {
                var answers = Race([Instance(), new RenewalAuthority(other, null, _clock)], "dev-a", RenewRequest("dev-a", key));

                Assert.Equal(["issued/none", "refused/replayed"], answers.Select(Word).Order());
                var winner = answers.Single(r => r.Status == "issued");
                Assert.Equal(SerialOf(winner), Record("dev-a").PendingSerial);
                Assert.Equal(SerialOf(winner), other.Registry.Get("dev-a")!.PendingSerial);
                _clock.Advance(TimeSpan.FromHours(1));
            }
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public void The_locked_check_decides_when_both_callers_passed_their_reads()
    {
        // Straight at the registry (as two instances whose reads both came before either write): many threads, one
        // request id -> one Marked; distinct ids -> exactly the limit.
        var now = DateTimeOffset.UtcNow;
        var same = new IssuanceRules("0123456789abcdef0123456789abcdef", now, 3, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<IssuanceOutcome>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            outcomes.Add(_fleet.Registry.MarkPending("dev-a", $"a{i:x2}", "", now.AddDays(365), FallbackPasswords.Hash("x"), same)));
        Assert.Equal(1, outcomes.Count(o => o == IssuanceOutcome.Marked));
        Assert.Equal(7, outcomes.Count(o => o == IssuanceOutcome.Replayed));

        outcomes.Clear();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            outcomes.Add(_fleet.Registry.MarkPending("dev-b", $"b{i:x2}", "", now.AddDays(365), FallbackPasswords.Hash("x"),
                same with { RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) })));
        Assert.Equal(3, outcomes.Count(o => o == IssuanceOutcome.Marked));
        Assert.Equal(5, outcomes.Count(o => o == IssuanceOutcome.RateLimited));
        var b = Record("dev-b");
        Assert.Equal(3, b.Issuances!.Count);
        Assert.Equal(4, b.Serials.Count); // provisioned + the three marked; a refused change added nothing
    }

    [Fact]
    public void A_refused_pending_write_does_not_rewrite_the_registry()
    {
        var now = DateTimeOffset.UtcNow;
        var rules = new IssuanceRules("0123456789abcdef0123456789abcdef", now, 3, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        Assert.Equal(IssuanceOutcome.Marked, _fleet.Registry.MarkPending("dev-a", "aa01", "", now.AddDays(365), FallbackPasswords.Hash("x"), rules));
        var written = File.GetLastWriteTimeUtc(_fleet.Registry.Path);
        byte[] before = File.ReadAllBytes(_fleet.Registry.Path);
        Thread.Sleep(20);
        Assert.Equal(IssuanceOutcome.Replayed, _fleet.Registry.MarkPending("dev-a", "aa02", "", now.AddDays(365), FallbackPasswords.Hash("x"), rules));
        Assert.Equal(before, File.ReadAllBytes(_fleet.Registry.Path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(_fleet.Registry.Path));
    }

    [Fact]
    public void A_registry_written_before_issuances_existed_loads_and_renews()
    {
        // The file as the previous version wrote it: every field of a record, no "issuances" anywhere.
        var file = JsonNode.Parse(File.ReadAllText(_fleet.Registry.Path))!;
        foreach (var device in file["devices"]!.AsArray())
        {
            Assert.Null(device!["issuances"]); // never written for a device without issuances
            device["pendingSerial"] = null;
            device["pendingCertificate"] = null;
            device["pendingNotAfter"] = null;
            device["pendingFallbackPasswordHash"] = null;
            device["revokedUtc"] = null;
        }
        File.WriteAllText(_fleet.Registry.Path, file.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");

        var old = FleetDirectory.Open(_root);
        Assert.Equal(2, old.Registry.Load().Devices.Count);
        Assert.Null(old.Registry.Get("dev-a")!.Issuances);

        using var key = CurrentKey("dev-a");
        var a = Instance();
        byte[] payload = RenewRequest("dev-a", key);
        Assert.Equal("issued/none", Word(Answer(a.HandleRequest("dev-a", payload))));
        Assert.Equal("refused/replayed", Word(Answer(Instance().HandleRequest("dev-a", payload))));
        var reread = JsonNode.Parse(File.ReadAllText(_fleet.Registry.Path))!["devices"]!.AsArray();
        Assert.Single(reread.Single(d => (string?)d!["id"] == "dev-a")!["issuances"]!.AsArray());
        Assert.Null(reread.Single(d => (string?)d!["id"] == "dev-b")!["issuances"]);
    }

    [Fact]
    public void A_registry_with_a_malformed_issuance_is_refused()
    {
        string json = File.ReadAllText(_fleet.Registry.Path);
        var file = JsonNode.Parse(json)!;
        file["devices"]![0]!["issuances"] = new JsonArray(new JsonObject { ["issuedUtc"] = "2026-01-01T00:00:00+00:00" });
        File.WriteAllText(_fleet.Registry.Path, file.ToJsonString());
        var e = Assert.Throws<FleetException>(() => _fleet.Registry.Load());
        Assert.Contains("issuances", e.Message);
    }

}
