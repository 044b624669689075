using IotDevice.Core.Updates;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>The application side of the updater: records the OTA words and whether MQTT is open.</summary>
    public sealed class FakeOtaHost : IOtaHost
    {
        public FakeOtaHost()
        {
            MqttOpen = true;
            Words = "";
        }

        public bool MqttOpen { get; private set; }

        public int Releases { get; private set; }

        public int Restores { get; private set; }

        /// <summary>When set: open streams plus kept-alive connections (not yet closed) at the last RestoreNetwork.</summary>
        public FakeRangeDownloader Downloader { get; set; }

        /// <summary>Whether the downloader still had a connection open when MQTT was restored (it must not).</summary>
        public bool HttpsOpenAtRestore { get; private set; }

        /// <summary>Every word reported, comma separated, in order.</summary>
        public string Words { get; private set; }

        public string LastWord { get; private set; }

        public void ReleaseNetwork()
        {
            Releases++;
            MqttOpen = false;
        }

        public void RestoreNetwork()
        {
            Restores++;
            if (Downloader != null && (Downloader.OpenStreams > 0 || Downloader.Opens > Downloader.ClosedAt))
                HttpsOpenAtRestore = true;
            MqttOpen = true;
        }

        public void OtaStatusChanged(string word)
        {
            LastWord = word;
            Words = Words.Length == 0 ? word : Words + "," + word;
        }
    }
}
