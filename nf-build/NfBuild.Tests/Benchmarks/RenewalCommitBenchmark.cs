using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Renewal;
using NfBuild.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Benchmarks;

/// <summary>
/// What a renewal costs the renewal service in a fleet of 1,000 devices: a request (registry read, issuing, pending
/// write) and the commit (CRL re-signing, the fallback password on the real fallback node, registry write), one
/// commit at a time (as before batching) and in batches (<see cref="RenewalAuthority.HandleStatuses"/>, what
/// <see cref="RenewalCommitBatcher"/> does). The registry is 1,000 records cloned from one provisioned device (same
/// certificate and key, own ids and serials: the authority checks PoP against the registry's certificate key).
/// Prints figures; asserts only that every renewal committed.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RenewalCommitBenchmark(EndToEndFixture fx, ITestOutputHelper output) : IDisposable
{
    private const int Devices = 1000;
    private const int SingleCommits = 5;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nfb-commit-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    [EndToEndFact]
    public void Requests_and_commits_of_1000_devices()
    {
        var fleet = FleetInitializer.Create(_root, new FleetInitOptions { Name = "commit-bench" });
        var template = DeviceProvisioning.AddDevice(fleet, new AddDeviceOptions { DeviceId = "bench-template", NotAfter = DateTimeOffset.UtcNow.AddDays(-1) }).Record;
        using var key = ECDsa.Create();
        key.ImportFromPem(DeviceBundle.Open(fleet, "bench-template").ReadPrivateKeyPem());
        var ids = Enumerable.Range(0, Devices).Select(i => $"bench-{i:D4}").ToArray();
        var records = ids.Select(id =>
        {
            var r = JsonSerializer.Deserialize<DeviceRecord>(JsonSerializer.Serialize(template, Json), Json)!;
            r.Id = id;
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] = (byte)((serial[0] & 0x7f) | 0x01); // positive, no leading zero byte: the DER INTEGER's own bytes
            r.Serial = Convert.ToHexStringLower(serial);
            r.Serials = [r.Serial];
            return r;
        }).ToList();
        File.WriteAllText(fleet.Registry.Path, JsonSerializer.Serialize(new { version = 1, devices = records }, Json) + "\n");
        fleet = FleetDirectory.Open(_root);

        var load = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
            fleet.Registry.Load();
        output.WriteLine($"registry of {Devices} devices: {new FileInfo(fleet.Registry.Path).Length / 1024} KiB, load {load.Elapsed.TotalMilliseconds / 10:F1} ms");

        // Where a request's time goes, on 50 direct calls (the authority's own steps).
        var parts = new Stopwatch[4].Select(_ => new Stopwatch()).ToArray();
        for (int i = 0; i < 50; i++)
        {
            parts[0].Start(); fleet.Registry.Get(ids[i]); parts[0].Stop();
            parts[1].Start(); using var pki = FleetPki.Open(fleet); parts[1].Stop();
            using var k = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] csr = new CertificateRequest("CN=" + ids[i], k, HashAlgorithmName.SHA256).CreateSigningRequest();
            parts[2].Start(); using var c = pki.IssueDeviceCertificate(ids[i], csr, DateTimeOffset.UtcNow.AddDays(365)); parts[2].Stop();
            parts[3].Start(); fleet.Registry.MarkPending(ids[i], CertificateSerials.Of(c), Convert.ToBase64String(c.RawData), c.NotAfter, FallbackPasswords.Hash("x")); parts[3].Stop();
        }
        output.WriteLine($"request steps (ms each): registry get {parts[0].Elapsed.TotalMilliseconds / 50:F1}, CA open {parts[1].Elapsed.TotalMilliseconds / 50:F1}, issue {parts[2].Elapsed.TotalMilliseconds / 50:F1}, pending write {parts[3].Elapsed.TotalMilliseconds / 50:F1}");

        var passwords = new BrokerFallbackPasswords(fx.Backend.FallbackAdmin);
        var authority = new RenewalAuthority(fleet, new RenewalAuthorityOptions(), passwords: passwords);
        // As RenewalServiceHost runs them: RequestConcurrency requests at a time (their registry writes are grouped).
        var serials = records.ToDictionary(r => r.Id, r => r.Serial);
        var statusOf = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>();
        var requests = Stopwatch.StartNew();
        Parallel.ForEach(ids, new ParallelOptions { MaxDegreeOfParallelism = RenewalServiceHost.RequestConcurrency }, id =>
        {
            using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var answer = RenewalResponse.Parse(authority.HandleRequest(id, Request(id, serials[id], key, newKey).ToBytes())!);
            Assert.Equal("issued", answer.Status);
            using var cert = X509CertificateLoader.LoadCertificate(answer.Certificate);
            statusOf[id] = Status(CertificateSerials.Of(cert));
        });
        var statuses = ids.Select(id => new KeyValuePair<string, byte[]>(id, statusOf[id])).ToList();
        output.WriteLine($"{Devices} renew requests, {RenewalServiceHost.RequestConcurrency} at a time (registry read, issue, grouped pending writes): {requests.Elapsed.TotalSeconds:F1} s, {Devices / requests.Elapsed.TotalSeconds:F0} per second");

        var single = Stopwatch.StartNew();
        foreach (var s in statuses.Take(SingleCommits))
            Assert.True(authority.HandleStatus(s.Key, s.Value));
        double perCommit = single.Elapsed.TotalMilliseconds / SingleCommits;
        output.WriteLine($"one commit at a time (CRL, rabbitmqctl import_definitions of one user, registry): {perCommit:F0} ms each -> {perCommit * Devices / 1000:F0} s for {Devices}");

        var batched = Stopwatch.StartNew();
        int committed = 0, batches = 0;
        foreach (var chunk in statuses.Skip(SingleCommits).Chunk(500))
        {
            var b = Stopwatch.StartNew();
            committed += authority.HandleStatuses(chunk).Count;
            batches++;
            output.WriteLine($"  batch of {chunk.Length}: {b.ElapsedMilliseconds} ms");
        }
        output.WriteLine($"batched commits: {committed} in {batches} batches, {batched.Elapsed.TotalSeconds:F1} s ({batched.Elapsed.TotalMilliseconds / committed:F1} ms per commit)");
        Assert.Equal(Devices - SingleCommits, committed);
        Assert.All(fleet.Registry.Load().Devices.Where(d => d.Id != "bench-template"), d =>
        {
            Assert.Null(d.PendingSerial);
            Assert.Single(d.Issuances!); // the renew request each was issued for, kept on its record (replay guard, rate limit)
        });
        var revoked = Crl.Read(fleet).RevokedSerials.ToHashSet();
        Assert.All(records, r => Assert.Contains(r.Serial, revoked));
    }

    private static RenewalRequest Request(string id, string serial, ECDsa key, ECDsa newKey)
    {
        byte[] csr = new CertificateRequest("CN=" + id, newKey, HashAlgorithmName.SHA256).CreateSigningRequest();
        var request = new RenewalRequest
        {
            Kind = RenewalRequest.KindRenew,
            DeviceId = id,
            Serial = serial,
            RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Time = UtcTime.Format(DateTime.UtcNow),
            Csr = csr,
        };
        request.Pop = key.SignData(request.PopMessage(Convert.ToHexStringLower(SHA256.HashData(csr))), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return request;
    }

    private static byte[] Status(string serial) => new StatusReport
    {
        State = "online",
        Version = "1.0.0",
        Slot = 0,
        Serial = serial,
        NotAfter = UtcTime.Format(DateTime.UtcNow.AddDays(365)),
        Renewal = "renewed",
        Ota = "none",
    }.ToBytes();
}
