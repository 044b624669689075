namespace IotDevice.Core.Updates
{
    /// <summary>
    /// What the OTA machine needs from the application object that owns the MQTT connection. The ESP32 has
    /// RAM for one mbedTLS session at a time, so the updater asks for the MQTT session to be closed before it
    /// opens HTTPS, and gives it back when it is done. Calls come from <see cref="OtaUpdater.Tick"/>, i.e.
    /// from the application's main loop.
    /// </summary>
    public interface IOtaHost
    {
        /// <summary>Close the MQTT session (and its TLS session) now; return when it is closed. Stop reconnecting until <see cref="RestoreNetwork"/>.</summary>
        void ReleaseNetwork();

        /// <summary>The updater's HTTPS session is closed: reconnect MQTT as usual.</summary>
        void RestoreNetwork();

        /// <summary>
        /// A new OTA word (accepted, downloading, downloaded, verifying, rebooting, confirmed, rolled-back,
        /// rejected:&lt;reason&gt;): put it into the retained status (<c>ota=</c>) and publish the status when
        /// connected; then tell the updater with <see cref="OtaUpdater.OnStatusPublished"/>.
        /// </summary>
        void OtaStatusChanged(string word);
    }
}
