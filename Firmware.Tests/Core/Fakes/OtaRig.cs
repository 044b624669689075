using System;
using IotDevice.Core.Identity;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>
    /// An OTA test bench: the device's slots, NVS, clock and host, a file server with signed releases, and the
    /// application loop (Tick every 100 ms, status "published" whenever MQTT is open and a new word appeared).
    /// </summary>
    public sealed class OtaRig
    {
        public const string Board = "lolin32";
        public const string Host = "https://fw.example/releases/";

        private static readonly byte[] Signature = MakeSignature();

        public OtaRig(int appSlotSize, int deploySlotSize)
        {
            Slots = new FakeOtaSlots(appSlotSize, deploySlotSize);
            Store = new FakeSecureStore();
            Crypto = new FakeCrypto();
            Clock = new FakeClock(new DateTime(2026, 3, 1, 12, 0, 0));
            Server = new FakeRangeDownloader();
            OtaHost = new FakeOtaHost();
            OtaHost.Downloader = Server;
            Log = new FakeLog();
            PublicKey = TestPki.Der(TestPki.Key1PublicKeyInfo);
            Store.Seed(OtaStoreKeys.ReleasePublicKey, Pem.Encode(PublicKey, "PUBLIC KEY"));
            Store.Seed(OtaStoreKeys.ReleaseOf(0), "1.0.0");
            PublishOnPrimary = true;
            AutoPublish = true;
            NewUpdater();
        }

        public FakeOtaSlots Slots { get; private set; }

        public FakeSecureStore Store { get; private set; }

        public FakeCrypto Crypto { get; private set; }

        public FakeClock Clock { get; private set; }

        public FakeRangeDownloader Server { get; private set; }

        public FakeOtaHost OtaHost { get; private set; }

        public FakeLog Log { get; private set; }

        public byte[] PublicKey { get; private set; }

        public OtaUpdater Updater { get; private set; }

        public OtaSettings Settings { get; private set; }

        /// <summary>The app publishes its status after each new word while MQTT is open.</summary>
        public bool AutoPublish { get; set; }

        /// <summary>Whether those publishes reach the primary broker (false: only the fallback).</summary>
        public bool PublishOnPrimary { get; set; }

        public byte[] AppImage { get; private set; }

        public byte[] Deployment { get; private set; }

        public byte[] Manifest { get; private set; }

        public string ManifestUrl { get; private set; }

        public string AppUrl { get; private set; }

        public string DeployUrl { get; private set; }

        public OtaUpdater NewUpdater()
        {
            Settings = new OtaSettings(Board, "1.0.0");
            Settings.ChunkSize = 1024;
            Settings.CheckpointBytes = 8192;
            Settings.ReportWindowSeconds = 2;
            Settings.RetryDelaySeconds = 1;
            Settings.ChunksPerTick = 4;
            Updater = new OtaUpdater(Settings, OtaHost, Server, Slots, Slots, Slots, Store, Crypto, Clock, Slots, Log);
            return Updater;
        }

        /// <summary>Publishes a signed release on the server (app image with a valid head carrying <paramref name="secureVersion"/>).</summary>
        public void Publish(string version, int secureVersion, int appSize, int deploySize)
        {
            PublishCustom(version, secureVersion, Board, App(appSize, secureVersion, version.GetHashCode()), Bytes(deploySize, version.GetHashCode() + 1), true);
        }

        public void PublishCustom(string version, int secureVersion, string board, byte[] app, byte[] deploy, bool sign)
        {
            AppImage = app;
            Deployment = deploy;
            string dir = Host + version + "/";
            ManifestUrl = dir + "manifest.txt";
            AppUrl = dir + "app.bin";
            DeployUrl = dir + "deploy.bin";
            ReleaseManifest m = new ReleaseManifest(version, secureVersion, board,
                ReleasePart.Download(ReleasePart.AppName, app.Length, Sha(app), AppUrl),
                ReleasePart.Download(ReleasePart.DeployName, deploy.Length, Sha(deploy), DeployUrl));
            ServeManifest(m.ToBytes(), sign);
            Server.Serve(AppUrl, app, "\"app-" + version + "\"");
            Server.Serve(DeployUrl, deploy, "\"deploy-" + version + "\"");
        }

        /// <summary>Serves <paramref name="manifest"/> bytes (signed by the release key when <paramref name="sign"/>) and its signature.</summary>
        public void ServeManifest(byte[] manifest, bool sign)
        {
            if (ManifestUrl == null)
                ManifestUrl = Host + "x/manifest.txt";
            Manifest = manifest;
            if (sign)
                Crypto.AllowSignature(PublicKey, manifest, Signature);
            Server.Serve(ManifestUrl, manifest, "\"m\"");
            Server.Serve(ReleaseSignature.SignatureUrl(ManifestUrl), Signature, "\"s\"");
        }

        /// <summary>Ticks until the updater is idle or in self-test; "idle", "reboot", "cut" or "stuck".</summary>
        public string Run(int maxTicks)
        {
            string seen = OtaHost.Words;
            for (int i = 0; i < maxTicks; i++)
            {
                try
                {
                    Updater.Tick();
                }
                catch (FakeRebootException)
                {
                    Slots.Boot();
                    return "reboot";
                }
                catch (FakePowerCutException)
                {
                    Slots.Boot();
                    return "cut";
                }
                if (AutoPublish && OtaHost.MqttOpen && OtaHost.Words != seen)
                {
                    seen = OtaHost.Words;
                    Updater.OnStatusPublished(PublishOnPrimary);
                }
                Clock.AdvanceMs(100);
                if (Updater.Phase == OtaPhase.Idle)
                    return "idle";
            }
            return "stuck";
        }

        public bool Trigger()
        {
            return Updater.Trigger(ManifestUrl);
        }

        public string StoredString(string key)
        {
            return Store.GetString(DeviceStoreKeys.Namespace, key);
        }

        public static string Sha(byte[] data)
        {
            return IotDevice.Core.Messaging.Hex.ToLower(FakeSha256.Hash(data));
        }

        public static byte[] Bytes(int size, int seed)
        {
            byte[] b = new byte[size];
            uint x = (uint)seed | 1;
            for (int i = 0; i < size; i++)
            {
                x = x * 1103515245 + 12345;
                b[i] = (byte)(x >> 16);
            }
            return b;
        }

        /// <summary>Bytes with an ESP32 app image head: magic 0xE9, chip id 0 (ESP32), esp_app_desc_t magic and secure_version at 0x20.</summary>
        public static byte[] App(int size, int secureVersion, int seed)
        {
            byte[] b = Bytes(size, seed);
            b[0] = 0xE9;
            b[1] = 1;
            b[12] = 0;
            b[13] = 0;
            b[0x20] = 0x32;
            b[0x21] = 0x54;
            b[0x22] = 0xCD;
            b[0x23] = 0xAB;
            b[0x24] = (byte)secureVersion;
            b[0x25] = (byte)(secureVersion >> 8);
            b[0x26] = (byte)(secureVersion >> 16);
            b[0x27] = (byte)(secureVersion >> 24);
            return b;
        }

        public static byte[] ReleaseSignatureBytes()
        {
            return MakeSignature();
        }

        /// <summary>A strict-DER ECDSA-shaped signature (r = 0x11..., s = 0x22...); FakeCrypto accepts it only where registered.</summary>
        private static byte[] MakeSignature()
        {
            byte[] sig = new byte[70];
            sig[0] = 0x30;
            sig[1] = 68;
            sig[2] = 0x02;
            sig[3] = 32;
            for (int i = 0; i < 32; i++)
                sig[4 + i] = 0x11;
            sig[36] = 0x02;
            sig[37] = 32;
            for (int i = 0; i < 32; i++)
                sig[38 + i] = 0x22;
            return sig;
        }
    }
}
