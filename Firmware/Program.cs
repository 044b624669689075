using System;
using System.Threading;
using IotDevice.Core.App;
using IotDevice.Core.Connectivity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using IotDevice.Core.Renewal;
using IotDevice.Core.Updates;
using IotDevice.Device;
using IotDevice.Interop;

namespace IotDevice
{
    /// <summary>
    /// Device entry point: wires the nanoFramework adapters (Firmware/Device) to the core's one application object,
    /// <see cref="DeviceApplication"/>, exactly as the virtual Lolin32 does (nf-build/VirtualDevice/VirtualDeviceRunner:
    /// same constructor, the firmware's default ConnectionSettings, RenewalPolicy, 60 s renewal timeout and OtaSettings
    /// from the booted image), then runs the main loop: feed the task watchdog, Wi-Fi, SNTP, Tick, one serial line per
    /// state change. Every decision is the core's; nothing here blocks except the adapters' bounded calls.
    /// </summary>
    public class Program
    {
        /// <summary>Main-loop pause between passes (as VirtualDeviceRunner.TickIntervalMs); none while an OTA streams.</summary>
        private const int TickIntervalMs = 10;

        /// <summary>
        /// Task watchdog timeout. The longest bounded call on the loop: M2Mqtt's CONNACK wait (30 s) after a TLS handshake,
        /// Wi-Fi association (20 s), esp_ota_begin erasing a 1.6 MB slot (seconds); two minutes without a pass is a hang.
        /// </summary>
        private const int WatchdogTimeoutMs = 120 * 1000;

        /// <summary>Bound of each HTTPS connect, header wait and body read of an OTA download.</summary>
        private const int DownloadTimeoutMs = 30 * 1000;

        private const int RenewalTimeoutMs = 60 * 1000;

        public static void Main()
        {
            SerialLog log = new SerialLog();
            int watchdog = TaskWatchdog.Start(WatchdogTimeoutMs);
            log.Info("boot: IotDevice firmware, task watchdog " + (watchdog == 0 ? (WatchdogTimeoutMs / 1000).ToString() + " s" : "not started: " + EspException.NameOf(watchdog)));

            int slot = Ota.RunningSlot();
            string version = Ota.AppVersion(slot);
            DateTime buildTime = AppBuildTime.Parse(Ota.AppBuildTime(slot));
            log.Info("boot: ota_" + slot.ToString() + " version " + (version == null ? "?" : version) + ", flash encryption "
                + FlashEncryptionName(Security.FlashEncryptionMode()) + ", secure boot " + (Security.SecureBootEnabled() ? "on" : "off")
                + ", eFuse secure_version " + Security.EfuseSecureVersion().ToString());
            if (version == null)
            {
                // no esp_app_desc_t for the running slot: the bootloader could not have booted it; never expected
                log.Info("boot: cannot read the running image's description, stopping");
                Idle();
            }

            NvsSecureStore store = new NvsSecureStore();
            SntpClock clock = new SntpClock(log);
            WifiConnector wifi = new WifiConnector(store, log);
            // the radio first: esp_fill_random is a true RNG only while Wi-Fi runs, and the application seeds from it
            wifi.Tick();
            TaskWatchdog.Feed();

            M2MqttSession session = new M2MqttSession();
            string ca0 = store.GetString(DeviceStoreKeys.Namespace, DeviceStoreKeys.RootCa0);
            if (ca0 == null || ca0.Length == 0)
            {
                log.Info("config: ca_0 (pinned root CA) is missing: the device is not provisioned");
                Idle();
            }
            // OTA downloads pin the same root as MQTT (ca_0): the firmware server's certificate is issued by the fleet CA.
            HttpWebRequestDownloader downloader = new HttpWebRequestDownloader(Utf8.GetBytes(ca0), DownloadTimeoutMs);
            OtaPlatform ota = new OtaPlatform(downloader, new OtaPairWriter(), new DeploySlots(), new OtaSlots(), OtaPlatform.DefaultBoard);
            DeviceApplication app = new DeviceApplication(clock, store, new DeviceKeys(store), new MbedTlsCrypto(), session,
                new DeviceRebooter(), log, buildTime, version, slot, ota,
                new ConnectionSettings(), new RenewalPolicy(), RenewalTimeoutMs, null);

            string lastState = null;
            string lastWifi = null;
            string lastOta = null;
            int commandsSeen = 0;
            while (true)
            {
                TaskWatchdog.Feed();
                try
                {
                    wifi.Tick();
                    if (wifi.StateName != lastWifi)
                    {
                        lastWifi = wifi.StateName;
                        log.Info("state: " + lastWifi);
                    }
                    if (wifi.IsUp)
                        clock.Start(); // SNTP before any TLS: the core's TimeGuard waits for the clock
                    app.NetworkUp = wifi.IsUp;

                    app.Tick();

                    if (app.StateName != lastState)
                    {
                        lastState = app.StateName;
                        log.Info("state: " + lastState);
                        // a network on trial is kept only once a new session on the primary broker came up over it
                        if (lastState == PrimaryOnline)
                            wifi.PrimaryReached();
                    }
                    if (app.CommandsReceived != commandsSeen)
                    {
                        commandsSeen = app.CommandsReceived;
                        OnCommand(app.LastCommand, wifi, log);
                    }
                    if (app.Ota != lastOta)
                    {
                        lastOta = app.Ota;
                        log.Info("state: ota=" + lastOta);
                    }
                }
                catch (Exception e)
                {
                    // the core does not throw for failures it knows (they are states); anything else is logged and the
                    // loop goes on: the watchdog covers a hang, a crash loop would hide the log line
                    log.Info("loop: " + ((object)e).GetType().Name + ": " + e.Message);
                }
                // while the updater streams, the download is paced by the network and the flash, not by a sleep
                Thread.Sleep(Streaming(app) ? 0 : TickIntervalMs);
            }
        }

        /// <summary>ConnectionManager's state name of a session on the primary broker.</summary>
        private const string PrimaryOnline = "online-primary";

        /// <summary>
        /// Commands the core does not handle itself: <c>kind=wifi</c> (only the primary subscribes to commands, and only
        /// the fleet's operator may publish them). OTA commands are the core's (DeviceApplication).
        /// </summary>
        private static void OnCommand(byte[] payload, WifiConnector wifi, IDeviceLog log)
        {
            string ssid;
            string passphrase;
            if (payload == null || !WifiCommand.TryParse(payload, out ssid, out passphrase))
                return;
            log.Info("app: Wi-Fi command for '" + ssid + "'");
            wifi.ChangeCredentials(ssid, passphrase);
        }

        private static bool Streaming(DeviceApplication app)
        {
            if (app.Updater == null)
                return false;
            OtaPhase phase = app.Updater.Phase;
            return phase == OtaPhase.Checking || phase == OtaPhase.Rehashing || phase == OtaPhase.Downloading || phase == OtaPhase.Verifying;
        }

        private static string FlashEncryptionName(int mode)
        {
            return mode == 2 ? "release" : mode == 1 ? "development" : "off";
        }

        /// <summary>Nothing to run: keep feeding the watchdog so the log line stays readable instead of a reset loop.</summary>
        private static void Idle()
        {
            while (true)
            {
                TaskWatchdog.Feed();
                Thread.Sleep(1000);
            }
        }
    }
}
