using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Renewal
{
    /// <summary>
    /// The device side of certificate renewal, a state machine advanced by <see cref="Tick"/>:
    /// standing query (signed by the current key) → on "renew": new key generated into the INACTIVE slot,
    /// CSR (CN = device id), request with proof of possession by the ACTIVE key → response for exactly
    /// that request id → <see cref="CertificateCheck"/> → <see cref="IdentityStore.WriteInactive"/> →
    /// trial on the primary → commit only after the primary accepted it; discard if it refused.
    /// Every rejected response leaves NVS untouched and is reported (<see cref="LastRejection"/>, log).
    /// Threat: whoever can publish to the response topic may replay an old response, answer for another
    /// request or device, or offer a forged/foreign certificate. Replays and foreign request ids are
    /// ignored (the outstanding request keeps waiting), everything else fails the request before any
    /// write; and a certificate the primary does not accept is never committed, so even a response that
    /// passed every check cannot lock the device out.
    /// </summary>
    public sealed class RenewalClient
    {
        private const int UsedIdCapacity = 8;

        private readonly ConnectionManager _connection;
        private readonly IdentityStore _identities;
        private readonly IDeviceKeys _keys;
        private readonly ICrypto _crypto;
        private readonly CertificateCheck _check;
        private readonly TimeGuard _time;
        private readonly string _deviceId;
        private readonly string _requestTopic;
        private readonly RenewalPolicy _policy;
        private readonly IDeviceLog _log;
        private readonly int _responseTimeoutMs;
        private readonly string[] _usedIds = new string[UsedIdCapacity];
        private int _usedNext;

        private RenewalState _state = RenewalState.Idle;
        private string _outstanding;
        private DateTime _sentAt;
        private string _newKeyName;

        public RenewalClient(ConnectionManager connection, IdentityStore identities, IDeviceKeys keys, ICrypto crypto, CertificateCheck check,
            TimeGuard time, DeviceTopics topics, RenewalPolicy policy, IDeviceLog log, int responseTimeoutMs)
        {
            if (connection == null || identities == null || keys == null || crypto == null || check == null || time == null || topics == null || policy == null || log == null)
                throw new ArgumentNullException("connection", "every dependency of the renewal client is required");
            _connection = connection;
            _identities = identities;
            _keys = keys;
            _crypto = crypto;
            _check = check;
            _time = time;
            _deviceId = topics.DeviceId;
            _requestTopic = topics.RenewRequest;
            _policy = policy;
            _log = log;
            _responseTimeoutMs = responseTimeoutMs;
            Outcome = "none";
            LastRejection = "none";
        }

        public RenewalState State
        {
            get { return _state; }
        }

        public string StateName
        {
            get
            {
                switch (_state)
                {
                    case RenewalState.Idle: return "idle";
                    case RenewalState.AwaitingStanding: return "awaiting-standing";
                    case RenewalState.AwaitingCertificate: return "awaiting-certificate";
                    case RenewalState.TrialPending: return "trial-pending";
                    case RenewalState.Revoked: return "revoked";
                    default: return "unknown";
                }
            }
        }

        /// <summary>Last renewal outcome word for the status (none, ok, renewed, revoked, refused-…, rejected-…, trial-refused, timeout, …).</summary>
        public string Outcome { get; private set; }

        /// <summary>Why the last response was not acted on (replayed, other-request, malformed, …), or "none".</summary>
        public string LastRejection { get; private set; }

        /// <summary>Request id awaiting an answer, or null.</summary>
        public string OutstandingRequestId
        {
            get { return _outstanding; }
        }

        public RenewalPolicy Policy
        {
            get { return _policy; }
        }

        public void Tick()
        {
            DateTime now = _time.Now;
            switch (_state)
            {
                case RenewalState.Idle:
                case RenewalState.Revoked:
                    if (!_connection.IsOnline || !_time.IsTrusted || _identities.Active == null || _identities.Active.Certificate == null)
                        return;
                    if (!_policy.MayRequest(now))
                        return;
                    if (_state == RenewalState.Idle && !_connection.IsOnFallback && !_policy.IsDue(now, _identities.Active.Certificate.NotAfter))
                        return;
                    SendStanding(now);
                    return;
                case RenewalState.AwaitingStanding:
                case RenewalState.AwaitingCertificate:
                    if ((now - _sentAt).Ticks / TimeSpan.TicksPerMillisecond >= _responseTimeoutMs || now < _sentAt)
                    {
                        MarkUsed(_outstanding);
                        Fail(now, "timeout", "no response to request " + _outstanding + " in time");
                    }
                    return;
                case RenewalState.TrialPending:
                    TickTrial(now);
                    return;
            }
        }

        /// <summary>A payload from the renew/response topic (the app routes it here).</summary>
        public void OnResponse(byte[] payload)
        {
            RenewalResponse response;
            try
            {
                response = RenewalResponse.Parse(payload);
            }
            catch (TextRecordException ex)
            {
                Reject("malformed", "malformed renewal response ignored: " + ex.Message);
                return;
            }
            if (_outstanding == null || response.RequestId != _outstanding)
            {
                if (IsUsed(response.RequestId))
                    Reject("replayed", "replayed renewal response for request " + response.RequestId + " ignored");
                else
                    Reject("other-request", "renewal response for request " + response.RequestId + " ignored: not the outstanding request");
                return;
            }
            DateTime now = _time.Now;
            MarkUsed(_outstanding);
            if (response.DeviceId != _deviceId)
            {
                Reject("other-device", "renewal response names device '" + response.DeviceId + "'");
                Fail(now, "rejected-other-device", "response for another device");
                return;
            }
            if (response.Status == RenewalResponse.StatusRevoked)
            {
                _outstanding = null;
                _policy.RecordRevoked(now);
                Outcome = "revoked";
                SetState(RenewalState.Revoked, "the renewal service reports this device revoked; checking back at " + UtcTime.Format(_policy.NextRequest));
                _connection.RequestStatusPublish();
                return;
            }
            if (response.Status == RenewalResponse.StatusRefused)
            {
                Fail(now, "refused-" + response.Reason, "request refused by the renewal service (" + response.Reason + ")");
                return;
            }
            if (_state == RenewalState.AwaitingStanding)
            {
                if (response.Status == RenewalResponse.StatusOk)
                {
                    _outstanding = null;
                    Outcome = "ok";
                    if (_connection.IsOnFallback)
                    {
                        // The service vouches for the certificate, yet the primary refused it: go back and
                        // see, but with a growing gap so the two can't ping-pong at full speed.
                        _policy.RecordFailure(now);
                        SetState(RenewalState.Idle, "certificate in good standing; back to the primary");
                        _connection.ReturnToPrimary("renewal service reports the certificate in good standing");
                    }
                    else
                    {
                        _policy.RecordStandingOk(now);
                        SetState(RenewalState.Idle, "certificate in good standing");
                    }
                    _connection.RequestStatusPublish();
                    return;
                }
                if (response.Status == RenewalResponse.StatusRenew)
                {
                    SendRenew(now);
                    return;
                }
            }
            else if (_state == RenewalState.AwaitingCertificate && response.IsIssued)
            {
                Install(now, response);
                return;
            }
            Fail(now, "rejected-unexpected-status", "unexpected status '" + response.Status + "' in state " + StateName);
        }

        private void SendStanding(DateTime now)
        {
            DeviceIdentity active = _identities.Active;
            string requestId = NewRequestId();
            string time = UtcTime.Format(now);
            RenewalRequest request = new RenewalRequest();
            request.Kind = RenewalRequest.KindStanding;
            request.DeviceId = _deviceId;
            request.Serial = active.Serial;
            request.RequestId = requestId;
            request.Time = time;
            request.Csr = null;
            request.Pop = _keys.Sign(active.KeyName, request.PopMessage(""));
            Send(now, request, RenewalState.AwaitingStanding);
        }

        private void SendRenew(DateTime now)
        {
            DeviceIdentity active = _identities.Active;
            // The new key goes into the slot that is NOT in use: the active key keeps working until commit.
            _newKeyName = _identities.InactiveKeyName;
            _keys.GenerateKey(_newKeyName);
            byte[] csr = _keys.CreateCertificateRequest(_newKeyName, _deviceId);
            ISha256 sha = _crypto.CreateSha256();
            sha.Append(csr, 0, csr.Length);
            string csrHash = Hex.ToLower(sha.Finish());
            RenewalRequest request = new RenewalRequest();
            request.Kind = RenewalRequest.KindRenew;
            request.DeviceId = _deviceId;
            request.Serial = active.Serial;
            request.RequestId = NewRequestId();
            request.Time = UtcTime.Format(now);
            request.Csr = csr;
            request.Pop = _keys.Sign(active.KeyName, request.PopMessage(csrHash));
            Send(now, request, RenewalState.AwaitingCertificate);
        }

        private void Send(DateTime now, RenewalRequest request, RenewalState next)
        {
            _policy.RecordRequest(now);
            if (!_connection.Publish(_requestTopic, request.ToBytes()))
            {
                _outstanding = null;
                Fail(now, "publish-failed", request.Kind + " request " + request.RequestId + " was not acknowledged");
                return;
            }
            _outstanding = request.RequestId;
            _sentAt = now;
            SetState(next, request.Kind + " request " + request.RequestId + " sent for serial " + request.Serial);
        }

        private void Install(DateTime now, RenewalResponse response)
        {
            byte[] newKey = _keys.GetPublicKey(_newKeyName);
            CertificateRejection rejection = _check.Check(response.Certificate, response.Chain, _deviceId, newKey, now);
            if (rejection != CertificateRejection.None)
            {
                string word = CertificateCheck.Word(rejection);
                Reject(word, "issued certificate rejected: " + word);
                Fail(now, "rejected-" + word, "issued certificate rejected (" + word + "); nothing stored");
                return;
            }
            if (_identities.InactiveKeyName != _newKeyName)
            {
                Fail(now, "rejected-slot-changed", "identity slots changed while the request was out");
                return;
            }
            _outstanding = null;
            _identities.WriteInactive(Pem.Encode(response.Certificate, Pem.CertificateLabel), Pem.Encode(response.Chain, Pem.CertificateLabel), response.FallbackPassword);
            SetState(RenewalState.TrialPending, "certificate " + _check.Leaf.SerialHex + " verified and stored in the inactive slot; trying it on the primary");
            _connection.BeginTrial();
        }

        private void TickTrial(DateTime now)
        {
            TrialOutcome trial = _connection.Trial;
            if (trial == TrialOutcome.Pending)
                return;
            if (trial == TrialOutcome.Accepted)
            {
                _identities.Commit();
                _policy.RecordSuccess(now);
                Outcome = "renewed";
                SetState(RenewalState.Idle, "renewed identity committed, serial " + _identities.Active.Serial);
                _connection.EndTrial();
                _connection.RequestStatusPublish();
                return;
            }
            // Refused by the primary, or abandoned by the connection manager: keep the old identity.
            _identities.DiscardInactive();
            _policy.RecordFailure(now);
            Outcome = trial == TrialOutcome.Refused ? "trial-refused" : "trial-abandoned";
            SetState(RenewalState.Idle, "the primary did not accept the renewed identity (" + Outcome + "); keeping the current one");
            _connection.EndTrial();
            _connection.RequestStatusPublish();
        }

        private void Fail(DateTime now, string outcome, string why)
        {
            _outstanding = null;
            _policy.RecordFailure(now);
            Outcome = outcome;
            SetState(RenewalState.Idle, why + "; next attempt not before " + UtcTime.Format(_policy.NextRequest));
            _connection.RequestStatusPublish();
        }

        private void Reject(string word, string line)
        {
            LastRejection = word;
            _log.Info("renewal: " + line);
        }

        private void SetState(RenewalState next, string why)
        {
            _state = next;
            _log.Info("renewal: " + StateName + ": " + why);
        }

        private string NewRequestId()
        {
            byte[] random = new byte[16];
            _crypto.FillRandom(random);
            return Hex.ToLower(random);
        }

        private void MarkUsed(string requestId)
        {
            if (requestId == null)
                return;
            _usedIds[_usedNext] = requestId;
            _usedNext = (_usedNext + 1) % UsedIdCapacity;
        }

        private bool IsUsed(string requestId)
        {
            for (int i = 0; i < UsedIdCapacity; i++)
            {
                if (_usedIds[i] == requestId)
                    return true;
            }
            return false;
        }
    }
}
