using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>
    /// ESP-IDF's task watchdog (TWDT) for the task nanoCLR runs in. nanoFramework's ESP32 defaults do not start it
    /// (CONFIG_ESP_TASK_WDT_INIT=n in targets/ESP32/_IDF/sdkconfig.default_nopsram.esp32), so the firmware starts it
    /// itself. Every managed thread runs on that one native task: a main loop that stops calling <see cref="Feed"/>
    /// for the timeout (a hung TLS read, a dead loop) panics and resets the chip.
    /// </summary>
    public static class TaskWatchdog
    {
        /// <summary>
        /// esp_task_wdt_init (or esp_task_wdt_reconfigure when it already runs) with timeoutMs, panic on expiry and no
        /// idle tasks, then esp_task_wdt_add(NULL): subscribes the calling (nanoCLR) task. Returns the esp_err_t.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Start(int timeoutMs);

        /// <summary>esp_task_wdt_reset for the calling task; returns the esp_err_t (ESP_ERR_NOT_FOUND when not subscribed).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Feed();
    }
}
