using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using NfBuild.Fleet;

namespace NfBuild.Renewal;

/// <summary>
/// The backend's side of the renewal protocol (README "Renewal protocol"): answers a device's standing
/// query and certificate request, and commits a renewal once the device reports the new serial in its
/// retained status on the primary. Transport-free: the RabbitMQ service (nf-build/Backend) and the
/// embedded backend hand it (device id from the routing key, payload) and publish what it returns on
/// that device's response topic only.
/// <para>
/// Threat model. Whoever can publish on <c>devices/&lt;id&gt;/renew/request</c> is the device <c>id</c> or
/// someone holding its broker credentials (the broker's topic permissions guarantee the routing key). An
/// attacker with the fallback password of a device but not its key cannot renew: the proof of possession
/// is checked against the public key of the certificate the REGISTRY holds as current, never against
/// anything in the request. A recorded request cannot be replayed (request ids, freshness window; for
/// certificate requests the ids issued for are kept on the device's registry record, so this holds across every
/// instance of the service, see <see cref="Issue"/>), a revoked device gets nothing, an expired certificate is
/// accepted only within the grace period, and a burst of requests is rate-limited per device (issuances counted
/// from the registry, fleet-wide). The service never sees a device private key.
/// </para>
/// </summary>
public sealed class RenewalAuthority
{
    private readonly FleetDirectory _fleet;
    private readonly RenewalAuthorityOptions _options;
    private readonly TimeProvider _time;
    private readonly ReplayGuard _replay;
    private readonly RateLimiter _rate;
    private readonly IFallbackPasswordSetter? _passwords;
    private readonly object _commitGate = new();
    private readonly IssuingCaCache _ca;

    public RenewalAuthority(FleetDirectory fleet, RenewalAuthorityOptions? options = null, TimeProvider? time = null, IFallbackPasswordSetter? passwords = null)
    {
        _fleet = fleet;
        _options = options ?? new RenewalAuthorityOptions();
        _time = time ?? TimeProvider.System;
        _replay = new ReplayGuard(_options.Freshness * 2);
        _rate = new RateLimiter(_options.RateWindow);
        _passwords = passwords;
        _ca = new IssuingCaCache(fleet);
    }

    /// <summary>Time per step, summed over the requests (benchmarks).</summary>
    public RenewalTimings Timings { get; } = new();

    /// <summary>Raised for every decision (no secrets in it), for the service's log.</summary>
    public event Action<RenewalDecision>? Decided;

    /// <summary>
    /// Answers one request from <paramref name="deviceId"/> (taken from the routing key by the caller).
    /// Returns the response bytes, or null when no answer can be addressed (a payload too malformed to carry
    /// a request id: the device times out and retries).
    /// </summary>
    public byte[]? HandleRequest(string deviceId, byte[] payload)
    {
        RenewalRequest request;
        try
        {
            request = RenewalRequest.Parse(payload);
        }
        catch (TextRecordException ex)
        {
            Decided?.Invoke(new RenewalDecision(deviceId, "malformed", "dropped", ex.Message.Length > 80 ? ex.Message[..80] : ex.Message));
            return null;
        }

        long started = Timings.Start();
        var (status, reason, issued) = Decide(deviceId, request);
        Timings.Request(request.Kind == RenewalRequest.KindRenew, started);
        Decided?.Invoke(new RenewalDecision(deviceId, request.Kind, status, reason, issued?.Serial));
        var response = new RenewalResponse
        {
            RequestId = request.RequestId,
            DeviceId = deviceId,
            Status = status,
            Reason = reason,
        };
        if (issued is not null)
        {
            response.Certificate = issued.Certificate;
            response.Chain = issued.Chain;
            response.FallbackPassword = issued.FallbackPassword;
        }
        return response.ToBytes();
    }

    private sealed record Issued(string Serial, byte[] Certificate, byte[] Chain, string FallbackPassword);

    private (string Status, string Reason, Issued? Issued) Decide(string deviceId, RenewalRequest request)
    {
        DateTimeOffset now = _time.GetUtcNow();
        // The payload's device= is the device's own claim; only the routing key is vouched for by the broker.
        if (request.DeviceId != deviceId)
            return Refused("device-mismatch");
        if (!UtcTime.TryParse(request.Time, out DateTime sent) || (now - new DateTimeOffset(sent, TimeSpan.Zero)).Duration() > _options.Freshness)
            return Refused("stale");

        long read = Timings.Start();
        DeviceRecord? device = _fleet.Registry.Get(deviceId);
        Timings.Add(RenewalTimings.Step.RegistryRead, read);
        if (device is null)
            return Refused("unknown-device");
        if (device.State == DeviceState.Revoked)
            return (RenewalResponse.StatusRevoked, "revoked", null);

        bool renew = request.Kind == RenewalRequest.KindRenew;
        int limit = renew ? _options.RenewRequestsPerWindow : _options.StandingRequestsPerWindow;
        // The in-memory guards are this instance's cheap first filter (no registry write for standing queries, and a burst
        // of renew requests is cut off before any ECDSA work); the registry is the authority for issuance (below).
        if (!_rate.TryTake(deviceId + "/" + request.Kind, limit, now))
            return Refused("rate-limited");
        if (!_replay.TryRecord(deviceId, request.RequestId, now))
            return Refused("replayed");
        IssuanceRules? rules = null;
        if (renew)
        {
            // Fleet-wide, across every renewal-service instance: the registry's record of this device's recent issuances
            // (checked here from the read above to spare the signing, and again inside the locked pending write, which
            // decides). Before the serial check: a request answered once is "replayed" even after the device committed.
            rules = IssuanceRulesFor(request.RequestId, now);
            switch (rules.Check(device))
            {
                case IssuanceOutcome.Replayed:
                    return Refused("replayed");
                case IssuanceOutcome.RateLimited:
                    return Refused("rate-limited");
            }
        }

        // The device proves possession of the key of the certificate the registry holds as current.
        if (request.Serial != device.Serial)
            return Refused("unknown-serial");
        long verify = Timings.Start();
        using var current = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(device.Certificate));
        string csrHash = renew ? Convert.ToHexStringLower(SHA256.HashData(request.Csr)) : "";
        using (ECDsa? key = current.GetECDsaPublicKey())
        {
            if (key is null || !key.VerifyData(request.PopMessage(csrHash), request.Pop, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                return Refused("bad-pop");
        }
        Timings.Add(RenewalTimings.Step.PopVerify, verify);
        // An expired certificate still proves the device's identity for a while (a device that was off for
        // months must not be locked out), never forever: past the grace period only a visit helps.
        if (now > device.NotAfter + TimeSpan.FromDays(_fleet.Settings.GraceDays))
            return Refused("expired-beyond-grace");

        bool due = now >= device.NotAfter - TimeSpan.FromDays(_fleet.Settings.RenewalWindowDays);
        if (!renew)
            return (due ? RenewalResponse.StatusRenew : RenewalResponse.StatusOk, "none", null);

        return Issue(deviceId, request.Csr, now, rules!);
    }

    /// <summary>The fleet-wide issuance rules for one renew request: <see cref="RenewalAuthorityOptions.RenewRequestsPerWindow"/>
    /// issuances per <see cref="RenewalAuthorityOptions.RateWindow"/>, request ids kept for the rate window or twice the
    /// freshness (the replay window), whichever is longer.</summary>
    private IssuanceRules IssuanceRulesFor(string requestId, DateTimeOffset now)
    {
        TimeSpan replayWindow = _options.Freshness * 2;
        return new IssuanceRules(requestId, now, _options.RenewRequestsPerWindow, _options.RateWindow,
            _options.RateWindow > replayWindow ? _options.RateWindow : replayWindow);
    }

    private (string, string, Issued?) Issue(string deviceId, byte[] csr, DateTimeOffset now, IssuanceRules rules)
    {
        long open = Timings.Start();
        FleetPki pki = _ca.Current();
        Timings.Add(RenewalTimings.Step.CaOpen, open);
        X509Certificate2 cert;
        long sign = Timings.Start();
        try
        {
            // Checks the CSR's own signature, CN = device id and a P-256 key; takes only its public key.
            cert = pki.IssueDeviceCertificate(deviceId, csr, now + TimeSpan.FromDays(_fleet.Settings.DeviceCertDays));
        }
        catch (FleetException)
        {
            return Refused("bad-csr");
        }
        Timings.Add(RenewalTimings.Step.IssueCertificate, sign);
        using (cert)
        {
            string serial = CertificateSerials.Of(cert);
            string password = FallbackPasswords.Generate();
            long write = Timings.Start();
            // Threat: someone who recorded a device's renew request (a broker operator, a log, a second consumer) sends it
            // again to any instance within the freshness window, or the broker redelivers it because the instance that
            // answered died before its ack. Were it issued again, the new pending serial would replace the one the device
            // may already hold, so its commit would be of a serial the registry no longer has pending, and a replay would
            // burn the device's issuance budget. The request id and time go onto the device's record in the same locked
            // write as the pending identity, and the check is made inside that lock: of any number of instances exactly one
            // issues for a request id, the others refuse it "replayed" (the device ignores an answer for a request it has
            // completed, and fails and retries with a new id if that refusal is the only answer it gets), and the rate
            // limit counts the registry's issuances, so it holds fleet-wide. What the recorder still cannot do: get a
            // certificate for a key of its own (the CSR is bound to the proof of possession by the device's current
            // key), or use one issued to the device's key; a request older than the freshness window is refused stale.
            // The certificate signed above for a refused request never leaves this process.
            var outcome = _fleet.Registry.MarkPending(deviceId, serial, Convert.ToBase64String(cert.RawData), cert.NotAfter.ToUniversalTime(), FallbackPasswords.Hash(password), rules);
            Timings.Add(RenewalTimings.Step.PendingWrite, write);
            return outcome switch
            {
                IssuanceOutcome.Marked => (RenewalResponse.StatusIssued, "none", new Issued(serial, cert.RawData, pki.IssuingCa.RawData, password)),
                IssuanceOutcome.Replayed => Refused("replayed"),
                _ => Refused("rate-limited"),
            };
        }
    }

    private static (string, string, Issued?) Refused(string reason) => (RenewalResponse.StatusRefused, reason, null);

    /// <summary>
    /// A retained status from <paramref name="deviceId"/> on the primary. When it reports the pending serial,
    /// the device has connected to the primary with the new identity and committed it: the registry makes it
    /// current, the old serial goes onto the CRL (so the old key, should it leak later, is worth nothing) and
    /// the fallback user's password becomes the one issued with the new identity. Returns true on a commit.
    /// </summary>
    public bool HandleStatus(string deviceId, byte[] payload) =>
        HandleStatuses([new KeyValuePair<string, byte[]>(deviceId, payload)]).Count > 0;

    /// <summary>
    /// <see cref="HandleStatus"/> for a batch of status messages (the renewal service collects them for a short window):
    /// one CRL re-signing, one fallback-password write and one registry update for all commits of the batch instead of
    /// one each. Returns the ids of the devices committed. Throws when a step fails; nothing of the batch is then
    /// recorded in the registry, so each device's next online status runs its commit again.
    /// </summary>
    public IReadOnlyList<string> HandleStatuses(IReadOnlyList<KeyValuePair<string, byte[]>> statuses)
    {
        // Every online serial per device: a batch may hold several statuses of one device (reconnects).
        var wanted = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (deviceId, payload) in statuses)
        {
            if (StatusSerial(payload) is { } serial)
            {
                if (!wanted.TryGetValue(deviceId, out var serials))
                    wanted[deviceId] = serials = new HashSet<string>(StringComparer.Ordinal);
                serials.Add(serial);
            }
        }
        if (wanted.Count == 0)
            return [];
        long commitStarted = Timings.Start();
        try
        {
            return CommitLocked(wanted);
        }
        finally
        {
            Timings.Add(RenewalTimings.Step.Commit, commitStarted);
        }
    }

    private IReadOnlyList<string> CommitLocked(Dictionary<string, HashSet<string>> wanted)
    {
        lock (_commitGate)
        {
            // Across instances (processes) sharing the fleet: one commit at a time, each reading the registry inside the
            // lock, so no commit works from a registry read older than another instance's commit.
            using var commitLock = _fleet.Registry.LockCommits();
            var devices = _fleet.Registry.Load().Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);
            var commits = new List<DeviceRecord>();
            foreach (var (deviceId, serials) in wanted)
            {
                if (devices.TryGetValue(deviceId, out var device) && device.State != DeviceState.Revoked && device.PendingSerial is { } pending
                    && serials.Contains(pending) && device.PendingFallbackPasswordHash is not null)
                    commits.Add(device);
            }
            if (commits.Count == 0)
                return [];
            // The registry is written LAST. Every step is idempotent and, until the registry shows the commit, the
            // device's next online status (it publishes one on every connect) runs the whole commit again.
            // Threat: committing the registry first, a crash or a failing broker admin call afterwards would leave the
            // old serial off the CRL and the old fallback password valid for good (nothing pending is left to retry),
            // so a leaked old key or password would keep working. Revoking before the registry commit is safe: the
            // device shows the new serial online only after it committed the new identity itself.
            using (var pki = FleetPki.Open(_fleet))
                Crl.Revoke(_fleet, pki, commits.Select(d => d.Serial), _time.GetUtcNow());
            _passwords?.SetFallbackPasswordHashes(commits.Select(d => new KeyValuePair<string, string>(d.Id, d.PendingFallbackPasswordHash!)).ToList());
            var committed = _fleet.Registry.CommitSerials(commits.Select(d => new KeyValuePair<string, string>(d.Id, d.PendingSerial!)).ToList());
            var ids = new List<string>(committed.Count);
            foreach (var (deviceId, _) in committed)
            {
                ids.Add(deviceId);
                Decided?.Invoke(new RenewalDecision(deviceId, "status", "committed", "none", commits.First(d => d.Id == deviceId).PendingSerial));
            }
            return ids;
        }
    }

    /// <summary>
    /// The serial of an "online" status only. The last will ("offline") carries the serial the session was
    /// opened with, which for a trial connection is the new one before the device committed it: committing
    /// on it would revoke the identity the device still uses. The device publishes "online" after its commit.
    /// </summary>
    private static string? StatusSerial(byte[] payload)
    {
        try
        {
            var status = StatusReport.Parse(payload);
            return status.State == "online" ? status.Serial : null;
        }
        catch (TextRecordException)
        {
            return null;
        }
    }
}
