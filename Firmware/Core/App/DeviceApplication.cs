using System;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;
using IotDevice.Core.Updates;

namespace IotDevice.Core.App
{
    /// <summary>
    /// The one application object: wires the core to a platform (the nanoFramework adapters in Program.cs
    /// on the device, the host adapters in the virtual device) so both run exactly the same decisions.
    /// Loads its configuration from the secure store (README "Device protocols" NVS schema), then the main loop calls
    /// <see cref="Tick"/> as often as it likes; nothing here blocks, sleeps or starts a thread.
    /// A configuration problem does not throw: <see cref="ConfigurationError"/> says what is wrong, the
    /// device stays offline and the log says why (a crash loop would hide it).
    /// Over-the-air updates: the app owns the <see cref="OtaUpdater"/> (built from the <see cref="OtaPlatform"/>),
    /// triggers it from an OTA command on devices/&lt;id&gt;/commands, holds MQTT closed while it downloads (one
    /// TLS session at a time), reports its word as the status <c>ota=</c> and tells it every acknowledged status
    /// publish (the self-test of a new pair).
    /// </summary>
    public sealed class DeviceApplication : IStatusSource, IOtaHost
    {
        private readonly IDeviceLog _log;
        private readonly IRebooter _rebooter;
        private readonly string _version;
        private readonly int _runningSlot;
        private readonly TelemetryQueue _queue;
        private bool _configErrorLogged;

        public DeviceApplication(IClock clock, ISecureStore store, IDeviceKeys keys, ICrypto crypto, IMqttSession session, IRebooter rebooter,
            IDeviceLog log, DateTime buildTime, string version, int runningSlot, OtaPlatform ota)
            : this(clock, store, keys, crypto, session, rebooter, log, buildTime, version, runningSlot, ota, new ConnectionSettings(), new RenewalPolicy(), 60 * 1000, null)
        {
        }

        public DeviceApplication(IClock clock, ISecureStore store, IDeviceKeys keys, ICrypto crypto, IMqttSession session, IRebooter rebooter,
            IDeviceLog log, DateTime buildTime, string version, int runningSlot, OtaPlatform ota, ConnectionSettings settings, RenewalPolicy policy, int renewalTimeoutMs)
            : this(clock, store, keys, crypto, session, rebooter, log, buildTime, version, runningSlot, ota, settings, policy, renewalTimeoutMs, null)
        {
        }

        /// <param name="otaSettings">null = the product's (board from <paramref name="ota"/>, built version = <paramref name="version"/>).</param>
        public DeviceApplication(IClock clock, ISecureStore store, IDeviceKeys keys, ICrypto crypto, IMqttSession session, IRebooter rebooter,
            IDeviceLog log, DateTime buildTime, string version, int runningSlot, OtaPlatform ota, ConnectionSettings settings, RenewalPolicy policy, int renewalTimeoutMs,
            OtaSettings otaSettings)
        {
            if (clock == null || store == null || keys == null || crypto == null || session == null || rebooter == null || log == null || version == null || ota == null || settings == null || policy == null)
                throw new ArgumentNullException("clock", "every platform dependency is required");
            _log = log;
            _rebooter = rebooter;
            _version = version;
            _runningSlot = runningSlot;
            _queue = new TelemetryQueue();
            Time = new TimeGuard(clock, store, buildTime, log);
            Identities = new IdentityStore(store, log);

            string deviceId = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.DeviceId);
            try
            {
                DeviceTopics.ValidateDeviceId(deviceId);
            }
            catch (ArgumentException ex)
            {
                Fail("dev_id: " + ex.Message);
                return;
            }
            DeviceId = deviceId;
            Topics = new DeviceTopics(deviceId);

            string ca0 = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.RootCa0);
            string ca1 = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.RootCa1);
            X509Certificate[] roots;
            try
            {
                roots = ca1 == null || ca1.Length == 0
                    ? new X509Certificate[] { ParseRoot(ca0, "ca_0") }
                    : new X509Certificate[] { ParseRoot(ca0, "ca_0"), ParseRoot(ca1, "ca_1") };
            }
            catch (DerFormatException ex)
            {
                Fail(ex.Message);
                return;
            }
            // The TLS adapter gets both pinned roots as one PEM bundle: during a root rotation either may sign the broker.
            string bundle = ca1 == null || ca1.Length == 0 ? ca0 : EndLine(ca0) + ca1;

            EndpointList primary;
            EndpointList fallback = null;
            try
            {
                primary = EndpointList.Parse(store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.PrimaryEndpoints));
            }
            catch (ArgumentException ex)
            {
                Fail("ep_primary: " + ex.Message);
                return;
            }
            string fallbackText = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.FallbackEndpoints);
            if (fallbackText != null && fallbackText.Length > 0)
            {
                try
                {
                    fallback = EndpointList.Parse(fallbackText);
                }
                catch (ArgumentException ex)
                {
                    Fail("ep_fallback: " + ex.Message);
                    return;
                }
            }
            else
            {
                log.Info("config: no ep_fallback; certificate problems can only be retried on the primary");
            }
            string fallbackUser = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.FallbackUser);

            Identities.Load();
            byte[] seed = new byte[4];
            crypto.FillRandom(seed);
            Random jitter = new Random(seed[0] | (seed[1] << 8) | (seed[2] << 16) | ((seed[3] & 0x7F) << 24));
            Connection = new ConnectionManager(session, clock, Time, Topics, primary, fallback, Utf8.GetBytes(bundle), Identities, fallbackUser,
                _queue, this, log, settings, jitter);
            Connection.MessageReceived += OnMessage;
            Renewal = new RenewalClient(Connection, Identities, keys, crypto, new CertificateCheck(crypto, roots), Time, Topics, policy, log, renewalTimeoutMs);
            if (otaSettings == null)
            {
                try
                {
                    otaSettings = new OtaSettings(ota.Board, version);
                }
                catch (ArgumentException ex)
                {
                    Fail("version: " + ex.Message);
                    return;
                }
            }
            Updater = new OtaUpdater(otaSettings, this, ota.Downloader, ota.AppSlots, ota.DeploySlots, ota.Slots, store, crypto, clock, rebooter, log);
            log.Info("app: " + deviceId + " version " + version + " slot " + runningSlot.ToString() + " configured with " + primary.Count.ToString() + " primary node(s)"
                + (fallback == null ? "" : " and " + fallback.Count.ToString() + " fallback node(s)") + ", " + roots.Length.ToString() + " pinned root(s)");
        }

        /// <summary>Null when the configuration loaded; otherwise what is wrong (the device stays offline).</summary>
        public string ConfigurationError { get; private set; }

        public string DeviceId { get; private set; }

        public DeviceTopics Topics { get; private set; }

        public TimeGuard Time { get; private set; }

        public IdentityStore Identities { get; private set; }

        public ConnectionManager Connection { get; private set; }

        public RenewalClient Renewal { get; private set; }

        /// <summary>The OTA machine (null when the configuration did not load).</summary>
        public OtaUpdater Updater { get; private set; }

        /// <summary>The OTA word for the status (<c>ota=</c>): the updater's current word, or its last outcome.</summary>
        public string Ota
        {
            get { return Updater == null ? OtaWords.None : Updater.Status; }
        }

        /// <summary>Commands received on devices/&lt;id&gt;/commands.</summary>
        public int CommandsReceived { get; private set; }

        /// <summary>OTA commands among them that started an update.</summary>
        public int OtaCommandsAccepted { get; private set; }

        public byte[] LastCommand { get; private set; }

        /// <summary>Set from the link state (Wi-Fi connected with an IP address).</summary>
        public bool NetworkUp
        {
            get { return Connection != null && Connection.NetworkUp; }
            set
            {
                if (Connection != null)
                    Connection.NetworkUp = value;
            }
        }

        public string StateName
        {
            get { return ConfigurationError != null ? "config-error" : Connection.StateName; }
        }

        public string ActiveSerial
        {
            get { return Identities.Active == null ? "" : Identities.Active.Serial; }
        }

        public int ActiveSlot
        {
            get { return Identities.ActiveSlot; }
        }

        public int QueuedTelemetry
        {
            get { return _queue.Count; }
        }

        public int DroppedTelemetry
        {
            get { return _queue.Dropped; }
        }

        public int Takeovers
        {
            get { return Connection == null ? 0 : Connection.Takeovers; }
        }

        public string RenewalOutcome
        {
            get { return Renewal == null ? "none" : Renewal.Outcome; }
        }

        public IRebooter Rebooter
        {
            get { return _rebooter; }
        }

        /// <summary>One main-loop pass: clock check, OTA step, connection, renewal.</summary>
        public void Tick()
        {
            if (ConfigurationError != null)
            {
                if (!_configErrorLogged)
                {
                    _configErrorLogged = true;
                    _log.Info("app: not connecting, configuration error: " + ConfigurationError);
                }
                return;
            }
            Time.Tick();
            // First: on the first pass the updater learns what the last boot left (a pair on trial, a resumed
            // download) before the connection publishes its first status.
            Updater.Tick();
            Connection.Tick();
            if (!Updater.IsBusy)
                Renewal.Tick();
        }

        // ---- IOtaHost: the updater's calls, from Updater.Tick ----

        /// <summary>The OTA download needs the one TLS session: MQTT closed now and kept closed until <see cref="RestoreNetwork"/>.</summary>
        public void ReleaseNetwork()
        {
            Connection.Hold("OTA download");
        }

        public void RestoreNetwork()
        {
            Connection.Release("OTA download finished");
        }

        public void OtaStatusChanged(string word)
        {
            _log.Info("app: ota=" + word);
            Connection.RequestStatusPublish();
        }

        /// <summary>From the connection manager: the retained status was acknowledged; the updater's evidence (self-test, reports).</summary>
        public void StatusPublished(bool onPrimary)
        {
            if (Updater != null)
                Updater.OnStatusPublished(onPrimary);
        }

        /// <summary>Queues a telemetry message (the queue takes the array; don't reuse it). False when it could not be kept.</summary>
        /// <summary>Orderly stop: "offline" status, clean disconnect (<see cref="ConnectionManager.Shutdown"/>).</summary>
        public void Shutdown()
        {
            if (Connection != null)
                Connection.Shutdown();
        }

        public bool EnqueueTelemetry(byte[] payload)
        {
            return _queue.Enqueue(payload);
        }

        public byte[] BuildStatus(bool online)
        {
            StatusReport s = new StatusReport();
            s.State = online ? "online" : "offline";
            s.Version = _version;
            s.Slot = _runningSlot;
            DeviceIdentity active = Identities.Active;
            s.Serial = active == null ? "" : active.Serial;
            s.NotAfter = active == null ? "" : active.NotAfterText;
            s.Renewal = RenewalOutcome;
            s.Ota = Ota;
            s.Dropped = _queue.Dropped;
            s.Takeovers = Takeovers;
            return s.ToBytes();
        }

        private void OnMessage(object sender, MqttMessage message)
        {
            if (message.Topic == Topics.RenewResponse)
            {
                Renewal.OnResponse(message.Payload);
                return;
            }
            CommandsReceived++;
            LastCommand = message.Payload;
            _log.Info("app: command received (" + (message.Payload == null ? 0 : message.Payload.Length).ToString() + " bytes)");
            // Only the primary subscribes to commands; the URL decides nothing: the release signature, board and version checks do.
            string manifestUrl = OtaCommand.TryGetManifestUrl(message.Payload);
            if (manifestUrl != null)
            {
                _log.Info("app: OTA command, manifest " + manifestUrl);
                if (Updater.Trigger(manifestUrl))
                    OtaCommandsAccepted++;
            }
        }

        private void Fail(string error)
        {
            ConfigurationError = error;
            _log.Info("config: " + error);
        }

        private static X509Certificate ParseRoot(string pem, string key)
        {
            if (pem == null || pem.Length == 0)
                throw new DerFormatException(key + " (pinned root CA) is missing");
            try
            {
                return X509Certificate.Parse(Pem.Decode(pem, Pem.CertificateLabel));
            }
            catch (DerFormatException ex)
            {
                throw new DerFormatException(key + ": " + ex.Message);
            }
        }

        private static string EndLine(string text)
        {
            return text.Length > 0 && text[text.Length - 1] != '\n' ? text + "\n" : text;
        }
    }
}
