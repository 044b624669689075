using System;
using System.Device.Wifi;
using System.Net.NetworkInformation;
using IotDevice.Core.Platform;

namespace IotDevice.Device
{
    /// <summary>
    /// Wi-Fi station from the NVS credentials wifi_ssid / wifi_pass (README "Device protocols": NVS schema), driven by
    /// <see cref="Tick"/> from the main loop: associate (WifiAdapter.Connect, which blocks up to 20 s in the firmware),
    /// wait for a DHCP address, report <see cref="IsUp"/>, and on loss reconnect with a growing backoff (2 s .. 5 min).
    /// Changing the network (the <c>kind=wifi</c> command, <see cref="Core.Messaging.WifiCommand"/>): <see cref="ChangeCredentials"/>
    /// tries the new SSID and passphrase; they are written to NVS only when the primary broker was reached over them
    /// (<see cref="PrimaryReached"/>) within <see cref="TrialMs"/>; otherwise the stored network is reconnected (a typo,
    /// or a network without a route to the broker, must not strand the device). Times come from the monotonic
    /// Environment.TickCount64: SNTP steps the wall clock.
    /// Threat: the password goes to the radio and to NVS only (encrypted). WifiAdapter.Connect is called with
    /// WifiReconnectionKind.Automatic (0): nf-interpreter passes that value as the connect options and stores the
    /// credentials in the configuration block only for NETWORK_CONNECT_SAVE_CONFIG (1, which Manual happens to be, and
    /// which WifiNetworkHelper's connect methods use): the config block holds no secret (README "Flash layout").
    /// </summary>
    public sealed class WifiConnector
    {
        private const int AddressTimeoutMs = 30 * 1000;
        private const int FirstBackoffMs = 2 * 1000;
        private const int MaxBackoffMs = 5 * 60 * 1000;
        private const int CredentialsRecheckMs = 60 * 1000;

        /// <summary>How long a new network has, from its address, to reach the primary broker before the stored one returns.</summary>
        public const int TrialMs = 3 * 60 * 1000;

        private const int StateIdle = 0;
        private const int StateWaitingForAddress = 1;
        private const int StateUp = 2;

        private readonly ISecureStore _store;
        private readonly IDeviceLog _log;
        private WifiAdapter _adapter;
        private int _state = StateIdle;
        private long _next;
        private long _deadline;
        private long _trialEnd;
        private int _backoffMs = FirstBackoffMs;
        private string _pendingSsid;
        private string _pendingPassword;
        private bool _tryingPending;
        private bool _missingLogged;

        public WifiConnector(ISecureStore store, IDeviceLog log)
        {
            if (store == null || log == null)
                throw new ArgumentNullException("store");
            _store = store;
            _log = log;
        }

        /// <summary>Associated and holding an IPv4 address.</summary>
        public bool IsUp
        {
            get { return _state == StateUp; }
        }

        /// <summary>The state for the log: "wifi-idle", "wifi-connecting" or "wifi-up".</summary>
        public string StateName
        {
            get { return _state == StateUp ? "wifi-up" : _state == StateWaitingForAddress ? "wifi-connecting" : "wifi-idle"; }
        }

        /// <summary>
        /// Switches to another network: tried at once; saved to NVS (wifi_ssid, wifi_pass) only when it gave an address,
        /// otherwise the stored network is reconnected. Throws for an SSID or passphrase 802.11 cannot carry.
        /// </summary>
        public void ChangeCredentials(string ssid, string password)
        {
            if (ssid == null || ssid.Length == 0 || ssid.Length > 32)
                throw new ArgumentException("an SSID is 1..32 characters", "ssid");
            if (password == null || (password.Length != 0 && (password.Length < 8 || password.Length > 63)))
                throw new ArgumentException("a WPA2 passphrase is 8..63 characters (empty for an open network)", "password");
            _pendingSsid = ssid;
            _pendingPassword = password;
            _log.Info("wifi: trying new network '" + ssid + "'");
            Disconnect();
            _state = StateIdle;
            _next = Now();
            _backoffMs = FirstBackoffMs;
        }

        /// <summary>The application reached the primary broker: a network on trial is kept (saved to NVS).</summary>
        public void PrimaryReached()
        {
            if (_tryingPending && _state == StateUp)
                CommitPending();
        }

        public void Tick()
        {
            long now = Now();
            switch (_state)
            {
                case StateIdle:
                    if (now >= _next)
                        Associate(now);
                    break;
                case StateWaitingForAddress:
                    if (HasAddress())
                    {
                        _state = StateUp;
                        _backoffMs = FirstBackoffMs;
                        _log.Info("wifi: up, address " + Address() + (_tryingPending ? " (new network on trial until the primary broker is reached)" : ""));
                        _trialEnd = now + TrialMs;
                    }
                    else if (now >= _deadline)
                    {
                        _log.Info("wifi: no address within " + (AddressTimeoutMs / 1000).ToString() + " s");
                        Failed(now);
                    }
                    break;
                default:
                    if (_tryingPending && now >= _trialEnd)
                    {
                        _log.Info("wifi: primary broker not reached over '" + _pendingSsid + "' within " + (TrialMs / 1000).ToString() + " s");
                        Failed(now);
                    }
                    else if (!HasAddress())
                    {
                        _log.Info("wifi: lost the connection");
                        _state = StateIdle;
                        _next = now + FirstBackoffMs;
                    }
                    break;
            }
        }

        private void Associate(long now)
        {
            string ssid;
            string password;
            _tryingPending = _pendingSsid != null;
            if (_tryingPending)
            {
                ssid = _pendingSsid;
                password = _pendingPassword;
            }
            else
            {
                ssid = _store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.WifiSsid);
                password = _store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.WifiPassword);
                if (ssid == null || ssid.Length == 0)
                {
                    if (!_missingLogged)
                    {
                        _missingLogged = true;
                        _log.Info("wifi: no wifi_ssid in NVS; the device stays offline until it is provisioned");
                    }
                    _next = now + CredentialsRecheckMs;
                    return;
                }
            }
            if (password == null)
                password = "";

            if (_adapter == null)
                _adapter = WifiAdapter.FindAllAdapters()[0];
            _log.Info("wifi: connecting to '" + ssid + "'");
            WifiConnectionStatus status;
            try
            {
                WifiConnectionResult result = _adapter.Connect(ssid, WifiReconnectionKind.Automatic, password);
                status = result.ConnectionStatus;
            }
            catch (Exception e)
            {
                _log.Info("wifi: connect failed: " + ((object)e).GetType().Name);
                Failed(Now());
                return;
            }
            if (status != WifiConnectionStatus.Success)
            {
                _log.Info("wifi: association failed (" + StatusName(status) + ")");
                Failed(Now());
                return;
            }
            _state = StateWaitingForAddress;
            _deadline = Now() + AddressTimeoutMs;
        }

        private void Failed(long now)
        {
            Disconnect();
            _state = StateIdle;
            if (_tryingPending)
            {
                // the new network did not work: forget it, go back to the stored one at once
                _log.Info("wifi: new network '" + _pendingSsid + "' failed; keeping the stored one");
                _pendingSsid = null;
                _pendingPassword = null;
                _tryingPending = false;
                _next = now;
                return;
            }
            _next = now + _backoffMs;
            _log.Info("wifi: next attempt in " + (_backoffMs / 1000).ToString() + " s");
            _backoffMs = _backoffMs >= MaxBackoffMs / 2 ? MaxBackoffMs : _backoffMs * 2;
        }

        private void CommitPending()
        {
            _store.SetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.WifiSsid, _pendingSsid);
            _store.SetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.WifiPassword, _pendingPassword);
            _log.Info("wifi: network '" + _pendingSsid + "' saved to NVS");
            _pendingSsid = null;
            _pendingPassword = null;
            _tryingPending = false;
        }

        private void Disconnect()
        {
            if (_adapter == null)
                return;
            try
            {
                _adapter.Disconnect();
            }
            catch (Exception)
            {
                // best effort: the next Connect replaces the association anyway
            }
        }

        /// <summary>Milliseconds since boot (nanoFramework.Runtime.Native's Environment.TickCount64): never steps.</summary>
        private static long Now()
        {
            return Environment.TickCount64;
        }

        private static bool HasAddress()
        {
            string address = Address();
            return address != null && address.Length > 0 && address != "0.0.0.0";
        }

        private static string Address()
        {
            NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
            for (int i = 0; i < interfaces.Length; i++)
            {
                if (interfaces[i].NetworkInterfaceType == NetworkInterfaceType.Wireless80211)
                    return interfaces[i].IPv4Address;
            }
            return null;
        }

        private static string StatusName(WifiConnectionStatus status)
        {
            switch (status)
            {
                case WifiConnectionStatus.AccessRevoked: return "access revoked";
                case WifiConnectionStatus.InvalidCredential: return "invalid credential";
                case WifiConnectionStatus.NetworkNotAvailable: return "network not available";
                case WifiConnectionStatus.Timeout: return "timeout";
                case WifiConnectionStatus.UnsupportedAuthenticationProtocol: return "unsupported authentication";
                default: return "unspecified failure";
            }
        }
    }
}
