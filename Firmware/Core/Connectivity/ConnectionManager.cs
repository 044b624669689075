using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Connectivity
{
    /// <summary>
    /// The device's one MQTT connection as a state machine advanced by <see cref="Tick"/> from the main loop
    /// (no threads, no timers; time from IClock only):
    /// network up → trusted clock → connect the primary (certificate of the active slot, pinned CA, last
    /// will = retained offline status) → subscribe commands and renew/response → retained online status →
    /// telemetry from the queue (QoS 1, removed only after PUBACK) → on loss, reconnect with backoff.
    ///
    /// Failure classes decide where the next attempt goes:
    /// - NetworkError (DNS, TCP, timeouts, broker restart): next node of the PRIMARY, never the fallback.
    ///   Threat: anyone on the path can drop packets; if that moved the device to the password broker,
    ///   an attacker could push every device onto the weaker login at will.
    /// - ServerNotTrusted: never the fallback either (someone is impersonating the broker, or the pinned
    ///   CA is wrong: a password broker behind the same path would be no safer). Reported, retried later.
    /// - ClientCertificateRejected / NotAuthorized on the primary, N times in a row while the network is
    ///   up: the fallback. An on-path attacker can inject such a TLS alert (alerts before Finished are not
    ///   authenticated), but the fallback pins the same CA and host name check, so the password only ever
    ///   goes to a broker of ours: the attacker gains nothing beyond what dropping packets gives.
    ///   A certificate that is expired by the trusted clock lowers N to 1, but a local expiry ALONE never
    ///   leaves the primary (the clock may be forged forward).
    /// On the fallback the renewal client runs; it calls <see cref="ReturnToPrimary"/> or
    /// <see cref="BeginTrial"/>. A renewed identity is tried on the primary as a probe (connect, CONNACK,
    /// clean disconnect) before anything is committed: <see cref="Trial"/> reports the outcome and
    /// <see cref="EndTrial"/> resumes normal work. The probe's will and every status before the commit
    /// carry the OLD serial: the registry commits when the status shows the new serial, so it must never
    /// see it before the device has committed (a power cut in between would strand the device with a
    /// revoked identity).
    /// Takeovers: RabbitMQ closes the older session when another client connects with the same client id;
    /// two devices (a clone, or a stale virtual device) then kick each other out right after connecting.
    /// A primary session lost within <see cref="ConnectionSettings.TakeoverWindowMs"/> twice in a row counts
    /// as a takeover, and the backoff keeps growing until a session survives the window.
    /// </summary>
    public sealed class ConnectionManager
    {
        private const int InboxCapacity = 8;

        private readonly IMqttSession _session;
        private readonly IClock _clock;
        private readonly TimeGuard _timeGuard;
        private readonly string _clientId;
        private readonly EndpointList _primary;
        private readonly EndpointList _fallback;
        private readonly byte[] _caBundlePem;
        private readonly IdentityStore _identities;
        private readonly string _fallbackUser;
        private readonly TelemetryQueue _queue;
        private readonly IStatusSource _status;
        private readonly IDeviceLog _log;
        private readonly ConnectionSettings _settings;
        private readonly ReconnectBackoff _backoff;

        // Topic strings built once: publishing telemetry must not allocate a new topic per message.
        private readonly string _telemetryTopic;
        private readonly string _statusTopic;
        private readonly string _commandsTopic;
        private readonly string _responseTopic;

        private readonly object _inboxLock = new object();
        private readonly MqttMessage[] _inbox = new MqttMessage[InboxCapacity];
        private int _inboxCount;
        private bool _lostSignalled;

        private ConnectionState _state = ConnectionState.WaitingToConnect;
        private BrokerKind _mode = BrokerKind.Primary;
        private BrokerKind _modeBeforeTrial = BrokerKind.Primary;
        private TrialOutcome _trial = TrialOutcome.None;
        private DateTime _waitStart;
        private int _waitMs;
        private DateTime _connectedAt;
        private bool _sessionProven;
        private bool _statusDirty;
        private int _rejectionStreak;
        private int _fallbackFailures;
        private int _shortSessions;
        private bool _networkUp;
        private bool _held;

        public ConnectionManager(IMqttSession session, IClock clock, TimeGuard timeGuard, DeviceTopics topics,
            EndpointList primary, EndpointList fallback, byte[] caBundlePem, IdentityStore identities, string fallbackUser,
            TelemetryQueue queue, IStatusSource status, IDeviceLog log, ConnectionSettings settings, Random random)
        {
            if (session == null || clock == null || timeGuard == null || topics == null || primary == null || identities == null
                || queue == null || status == null || log == null || settings == null || random == null)
                throw new ArgumentNullException("session", "every dependency of the connection manager is required");
            if (caBundlePem == null || caBundlePem.Length == 0)
                throw new ArgumentException("a pinned CA is required (no unauthenticated TLS)");
            _session = session;
            _clock = clock;
            _timeGuard = timeGuard;
            _clientId = topics.DeviceId;
            _primary = primary;
            _fallback = fallback;
            _caBundlePem = caBundlePem;
            _identities = identities;
            _fallbackUser = fallbackUser;
            _queue = queue;
            _status = status;
            _log = log;
            _settings = settings;
            _backoff = new ReconnectBackoff(settings.InitialBackoffMs, settings.MaxBackoffMs, random);
            _telemetryTopic = topics.Telemetry;
            _statusTopic = topics.Status;
            _commandsTopic = topics.Commands;
            _responseTopic = topics.RenewResponse;
            _waitStart = clock.UtcNow;
            _session.MessageReceived += OnMessageReceived;
            _session.ConnectionLost += OnConnectionLost;
        }

        /// <summary>Messages on the device's commands and renew/response topics, raised from <see cref="Tick"/> (never from the adapter's thread).</summary>
        public event MqttMessageHandler MessageReceived;

        /// <summary>Set by the app from the Wi-Fi/link state.</summary>
        public bool NetworkUp
        {
            get { return _networkUp; }
            set { _networkUp = value; }
        }

        public ConnectionState State
        {
            get { return _state; }
        }

        public string StateName
        {
            get { return Name(_state); }
        }

        /// <summary>The broker the next (or current) session is for.</summary>
        public BrokerKind Mode
        {
            get { return _mode; }
        }

        public TrialOutcome Trial
        {
            get { return _trial; }
        }

        public bool IsOnline
        {
            get { return _state == ConnectionState.OnlinePrimary || _state == ConnectionState.OnlineFallback; }
        }

        public bool IsOnPrimary
        {
            get { return _state == ConnectionState.OnlinePrimary; }
        }

        public bool IsOnFallback
        {
            get { return _state == ConnectionState.OnlineFallback; }
        }

        public int Takeovers { get; private set; }

        public int ServerNotTrustedCount { get; private set; }

        public int PrimaryConnects { get; private set; }

        public int FallbackConnects { get; private set; }

        public int TelemetryDelivered { get; private set; }

        /// <summary>Primary certificate rejections since the last successful primary session.</summary>
        public int RejectionStreak
        {
            get { return _rejectionStreak; }
        }

        /// <summary>Milliseconds until the next attempt while waiting (0 when due).</summary>
        public int WaitRemainingMs
        {
            get
            {
                long left = _waitMs - ElapsedMs(_waitStart);
                return left < 0 ? 0 : (int)left;
            }
        }

        /// <summary>Publishes the status again at the next chance (after a renewal or an outcome change).</summary>
        public void RequestStatusPublish()
        {
            _statusDirty = true;
        }

        /// <summary>True between <see cref="Hold"/> and <see cref="Release"/>.</summary>
        public bool IsHeld
        {
            get { return _held; }
        }

        /// <summary>
        /// Closes the MQTT session now (clean DISCONNECT: the retained status keeps what was last published, e.g.
        /// "ota=accepted") and does not reconnect until <see cref="Release"/>: the OTA download needs the one TLS
        /// session the ESP32 has room for. Telemetry keeps queueing meanwhile.
        /// </summary>
        public void Hold(string why)
        {
            if (_held)
                return;
            _held = true;
            if (IsOnline || _session.IsConnected)
                _session.Disconnect();
            if (_state == ConnectionState.TrialAccepted)
            {
                _trial = TrialOutcome.None;
                _mode = _modeBeforeTrial;
            }
            SetState(ConnectionState.Held, "network held: " + why);
        }

        /// <summary>Ends a <see cref="Hold"/>: reconnects right away (no backoff), with a fresh status publish.</summary>
        public void Release(string why)
        {
            if (!_held)
                return;
            _held = false;
            _statusDirty = true;
            Wait(0, "network released: " + why);
        }

        /// <summary>QoS 1 publish on the current session (renewal requests); false when offline or not acknowledged.</summary>
        public bool Publish(string topic, byte[] payload)
        {
            if (!IsOnline)
                return false;
            return _session.Publish(topic, payload, false);
        }

        /// <summary>From the fallback: the renewal service says the certificate is fine (or it was renewed): try the primary again.</summary>
        public void ReturnToPrimary(string why)
        {
            if (_mode == BrokerKind.Primary)
                return;
            _mode = BrokerKind.Primary;
            _rejectionStreak = 0;
            _fallbackFailures = 0;
            if (IsOnline)
                _session.Disconnect();
            Wait(0, "returning to the primary: " + why);
        }

        /// <summary>Probe the primary with the inactive slot's (renewed, uncommitted) identity.</summary>
        public void BeginTrial()
        {
            _modeBeforeTrial = _mode;
            _trial = TrialOutcome.Pending;
            if (IsOnline)
                _session.Disconnect();
            Wait(0, "trying the renewed identity on the primary");
        }

        /// <summary>The renewal client has committed (after Accepted) or discarded (after Refused) the trial identity.</summary>
        public void EndTrial()
        {
            bool accepted = _trial == TrialOutcome.Accepted;
            _trial = TrialOutcome.None;
            if (accepted)
            {
                _mode = BrokerKind.Primary;
                _rejectionStreak = 0;
                _backoff.Reset();
                Wait(0, "renewed identity in use; reconnecting to the primary");
            }
            else
            {
                _mode = _modeBeforeTrial;
                if (_state == ConnectionState.TrialAccepted)
                    Wait(0, "trial ended; continuing with the current identity");
            }
        }

        /// <summary>
        /// Orderly stop (power-down, reboot into an update, the host runner's Ctrl-C): publishes the retained
        /// "offline" status the last will would have published, then disconnects cleanly (a DISCONNECT
        /// suppresses the will, so without this the backend would keep seeing "online"). The manager then
        /// waits for the network as after a link loss.
        /// </summary>
        public void Shutdown()
        {
            if (IsOnline)
            {
                _session.Publish(_statusTopic, _status.BuildStatus(false), true);
                _session.Disconnect();
            }
            _networkUp = false;
            _rejectionStreak = 0;
            _waitMs = 0;
            SetState(ConnectionState.WaitingForNetwork, "shut down");
        }

        /// <summary>One step of the state machine; call every main-loop pass.</summary>
        public void Tick()
        {
            Dispatch();
            bool lost;
            lock (_inboxLock)
            {
                lost = _lostSignalled;
                _lostSignalled = false;
            }
            if (_held)
                return; // an OTA download has the network: no MQTT, no reconnect
            if (IsOnline && (lost || !_session.IsConnected))
                OnSessionLost();

            if (!_networkUp)
            {
                if (_state != ConnectionState.WaitingForNetwork)
                {
                    if (IsOnline)
                        _session.Disconnect();
                    // "In a row while the network is fine": a link loss starts the count over.
                    _rejectionStreak = 0;
                    _waitMs = 0;
                    SetState(ConnectionState.WaitingForNetwork, "network down");
                }
                return;
            }

            if (IsOnline)
            {
                Service();
                return;
            }
            if (_state == ConnectionState.TrialAccepted)
            {
                if (ElapsedMs(_waitStart) >= _settings.TrialDecisionTimeoutMs)
                {
                    _log.Info("conn: accepted trial was neither committed nor discarded in time; continuing with the current identity");
                    _trial = TrialOutcome.None;
                    _mode = _modeBeforeTrial;
                    Wait(0, "trial timed out");
                }
                return;
            }
            if (!_timeGuard.IsTrusted)
            {
                if (_state != ConnectionState.WaitingForClock)
                    SetState(ConnectionState.WaitingForClock, "clock not trusted yet: no TLS");
                return;
            }
            if (_state == ConnectionState.WaitingForNetwork || _state == ConnectionState.WaitingForClock)
                Wait(_waitMs, "network and clock ready");
            if (ElapsedMs(_waitStart) < _waitMs)
                return;
            Attempt();
        }

        private void Attempt()
        {
            bool trial = _trial == TrialOutcome.Pending;
            BrokerKind target = trial ? BrokerKind.Primary : _mode;
            if (target == BrokerKind.Fallback && _fallback == null)
            {
                target = BrokerKind.Primary;
                _mode = BrokerKind.Primary;
            }
            EndpointList list = target == BrokerKind.Primary ? _primary : _fallback;
            DeviceIdentity identity = trial ? _identities.ReadInactive() : _identities.Active;
            if (identity == null)
            {
                if (_state != ConnectionState.NoIdentity)
                    SetState(ConnectionState.NoIdentity, "no usable identity in NVS; not connecting");
                return;
            }
            MqttCredentials credentials = null;
            if (target == BrokerKind.Primary)
            {
                string key = _identities.ReadPrivateKeyPem(identity);
                if (identity.Certificate != null && identity.ChainPem != null && key != null && key.Length > 0)
                    credentials = identity.ToCredentials(_clientId, key);
            }
            else if (_fallbackUser != null && _fallbackUser.Length > 0 && identity.FallbackPassword != null && identity.FallbackPassword.Length > 0)
            {
                credentials = MqttCredentials.FromPassword(_clientId, _fallbackUser, identity.FallbackPassword);
            }
            if (credentials == null)
            {
                if (trial)
                {
                    _trial = TrialOutcome.Refused;
                    _log.Info("conn: renewed identity is incomplete in NVS; trial refused");
                    return;
                }
                if (_state != ConnectionState.NoIdentity)
                    SetState(ConnectionState.NoIdentity, "no " + (target == BrokerKind.Primary ? "certificate and key" : "fallback user and password") + " to connect with");
                return;
            }

            string where = (trial ? "primary (renewed identity) " : (target == BrokerKind.Primary ? "primary " : "fallback ")) + list.Describe(list.CurrentIndex);
            MqttEndpoint endpoint = new MqttEndpoint(list.CurrentHost, list.CurrentPort, _caBundlePem);
            MqttWill will = new MqttWill(_statusTopic, _status.BuildStatus(false), true);
            MqttConnectResult result = _session.Connect(endpoint, credentials, will);
            if (result == MqttConnectResult.Connected)
                OnConnected(target, trial, where, list);
            else
                OnConnectFailed(target, trial, result, where, list, identity);
        }

        private void OnConnected(BrokerKind target, bool trial, string where, EndpointList list)
        {
            if (trial)
            {
                // A probe only: the session is closed cleanly (no will) and nothing is published with the
                // new identity until the renewal client has committed it.
                _session.Disconnect();
                _trial = TrialOutcome.Accepted;
                _waitStart = _clock.UtcNow;
                SetState(ConnectionState.TrialAccepted, where + " accepted the renewed identity");
                return;
            }
            bool subscribed = target == BrokerKind.Primary
                ? _session.Subscribe(_commandsTopic) && _session.Subscribe(_responseTopic)
                : _session.Subscribe(_responseTopic);
            if (!subscribed)
            {
                _session.Disconnect();
                list.MoveNext();
                Wait(_backoff.NextDelayMs(), where + " refused the subscriptions");
                return;
            }
            _connectedAt = _clock.UtcNow;
            _sessionProven = false;
            _statusDirty = true;
            if (target == BrokerKind.Primary)
            {
                _rejectionStreak = 0;
                PrimaryConnects++;
                SetState(ConnectionState.OnlinePrimary, "connected to " + where);
            }
            else
            {
                _fallbackFailures = 0;
                FallbackConnects++;
                SetState(ConnectionState.OnlineFallback, "connected to " + where);
            }
            Service();
        }

        private void OnConnectFailed(BrokerKind target, bool trial, MqttConnectResult result, string where, EndpointList list, DeviceIdentity identity)
        {
            list.MoveNext();
            string why = ResultName(result);
            if (target == BrokerKind.Primary)
            {
                if (result == MqttConnectResult.NetworkError)
                {
                    Wait(_backoff.NextDelayMs(), where + " unreachable (" + why + "); retrying the primary, not the fallback");
                    return;
                }
                if (result == MqttConnectResult.ServerNotTrusted)
                {
                    ServerNotTrustedCount++;
                    Wait(_backoff.NextDelayMs(), where + " is not trusted (server certificate or host name); never falling back on this");
                    return;
                }
                if (trial)
                {
                    _trial = TrialOutcome.Refused;
                    _mode = _modeBeforeTrial;
                    Wait(_backoff.NextDelayMs(), where + " refused the renewed identity (" + why + ")");
                    return;
                }
                _rejectionStreak++;
                bool expired = _timeGuard.IsTrusted && identity.IsExpiredAt(_clock.UtcNow);
                int needed = expired ? 1 : _settings.RejectionsBeforeFallback;
                string detail = where + " rejected the identity (" + why + "), " + _rejectionStreak.ToString() + " in a row" + (expired ? ", certificate expired by the trusted clock" : "");
                if (_rejectionStreak >= needed && _fallback != null)
                {
                    _mode = BrokerKind.Fallback;
                    _fallbackFailures = 0;
                    Wait(0, detail + "; moving to the fallback broker");
                    return;
                }
                Wait(_backoff.NextDelayMs(), detail);
                return;
            }

            _fallbackFailures++;
            bool refused = result == MqttConnectResult.NotAuthorized || result == MqttConnectResult.ClientCertificateRejected;
            string line = where + (result == MqttConnectResult.ServerNotTrusted ? " is not trusted; password not sent" : (refused ? " refused the fallback password" : " unreachable (" + why + ")"));
            if (result == MqttConnectResult.ServerNotTrusted)
                ServerNotTrustedCount++;
            if (refused || _fallbackFailures >= _settings.FallbackFailuresBeforePrimary)
            {
                _mode = BrokerKind.Primary;
                _rejectionStreak = 0;
                line = line + "; returning to the primary";
            }
            Wait(_backoff.NextDelayMs(), line);
        }

        /// <summary>Work on an established session: pending status, queued telemetry (primary only), floor and backoff upkeep.</summary>
        private void Service()
        {
            if (!_session.IsConnected)
            {
                OnSessionLost();
                return;
            }
            if (_statusDirty)
            {
                if (_session.Publish(_statusTopic, _status.BuildStatus(true), true))
                {
                    _statusDirty = false;
                    _status.StatusPublished(_state == ConnectionState.OnlinePrimary);
                }
                else
                    return;
            }
            if (_state == ConnectionState.OnlinePrimary)
            {
                for (int i = 0; i < _settings.TelemetryPerTick; i++)
                {
                    byte[] message = _queue.Peek();
                    if (message == null)
                        break;
                    if (!_session.Publish(_telemetryTopic, message, false))
                        break; // stays queued: re-sent after reconnecting
                    _queue.RemoveFirst();
                    TelemetryDelivered++;
                }
            }
            if (!_sessionProven && ElapsedMs(_connectedAt) >= _settings.TakeoverWindowMs)
            {
                _sessionProven = true;
                _shortSessions = 0;
                _backoff.Reset();
            }
            _timeGuard.ConfirmedByServer();
        }

        private void OnSessionLost()
        {
            bool primary = _state == ConnectionState.OnlinePrimary;
            long lived = ElapsedMs(_connectedAt);
            string line = (primary ? "primary" : "fallback") + " session lost after " + (lived / 1000).ToString() + " s";
            if (primary && lived < _settings.TakeoverWindowMs)
            {
                _shortSessions++;
                if (_shortSessions >= 2)
                {
                    Takeovers++;
                    _statusDirty = true;
                    line = line + "; session takeover suspected (another client with client id '" + _clientId + "'?), " + Takeovers.ToString() + " so far; backing off";
                }
            }
            _session.Disconnect();
            Wait(_backoff.NextDelayMs(), line);
        }

        private void Wait(int ms, string why)
        {
            _waitStart = _clock.UtcNow;
            _waitMs = ms;
            SetState(ConnectionState.WaitingToConnect, why + (ms > 0 ? " (next attempt in " + ms.ToString() + " ms)" : ""));
        }

        private void SetState(ConnectionState next, string why)
        {
            ConnectionState previous = _state;
            _state = next;
            _log.Info("conn: " + Name(previous) + " -> " + Name(next) + ": " + why);
        }

        private long ElapsedMs(DateTime since)
        {
            long ms = (_clock.UtcNow - since).Ticks / TimeSpan.TicksPerMillisecond;
            // A clock stepped backwards (SNTP) must not stretch a wait: count it as no time elapsed.
            return ms < 0 ? 0 : ms;
        }

        private void OnMessageReceived(object sender, MqttMessage message)
        {
            if (message == null || (message.Topic != _commandsTopic && message.Topic != _responseTopic))
                return; // only the device's own subscriptions; anything else is a broker bug or an attack
            lock (_inboxLock)
            {
                if (_inboxCount < InboxCapacity)
                    _inbox[_inboxCount++] = message;
            }
        }

        private void OnConnectionLost(object sender, EventArgs e)
        {
            lock (_inboxLock)
            {
                _lostSignalled = true;
            }
        }

        private void Dispatch()
        {
            while (true)
            {
                MqttMessage next = null;
                lock (_inboxLock)
                {
                    if (_inboxCount > 0)
                    {
                        next = _inbox[0];
                        for (int i = 1; i < _inboxCount; i++)
                            _inbox[i - 1] = _inbox[i];
                        _inbox[--_inboxCount] = null;
                    }
                }
                if (next == null)
                    return;
                MqttMessageHandler handler = MessageReceived;
                if (handler != null)
                    handler(this, next);
            }
        }

        public static string Name(ConnectionState state)
        {
            switch (state)
            {
                case ConnectionState.WaitingForNetwork: return "waiting-for-network";
                case ConnectionState.WaitingForClock: return "waiting-for-clock";
                case ConnectionState.WaitingToConnect: return "waiting-to-connect";
                case ConnectionState.OnlinePrimary: return "online-primary";
                case ConnectionState.OnlineFallback: return "online-fallback";
                case ConnectionState.TrialAccepted: return "trial-accepted";
                case ConnectionState.NoIdentity: return "no-identity";
                case ConnectionState.Held: return "held-for-update";
                default: return "unknown";
            }
        }

        public static string ResultName(MqttConnectResult result)
        {
            switch (result)
            {
                case MqttConnectResult.Connected: return "connected";
                case MqttConnectResult.NetworkError: return "network-error";
                case MqttConnectResult.ServerNotTrusted: return "server-not-trusted";
                case MqttConnectResult.ClientCertificateRejected: return "client-certificate-rejected";
                case MqttConnectResult.NotAuthorized: return "not-authorized";
                default: return "unknown";
            }
        }
    }
}
