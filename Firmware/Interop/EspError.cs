using System.Runtime.CompilerServices;

namespace IotDevice.Interop
{
    /// <summary>
    /// The esp_err_t side channel of the native calls. Every native method that returns data (a handle, a
    /// string, an array) returns 0 / null when it fails and leaves the esp_err_t here; methods that only act
    /// return the esp_err_t itself (0 = ESP_OK). The device adapters turn a non-zero code into an
    /// exception that carries <see cref="Name"/> (esp_err_to_name), e.g. "ESP_ERR_NVS_NOT_FOUND".
    /// </summary>
    public static class EspError
    {
        /// <summary>The esp_err_t of the last native call that failed (0 after a call that succeeded).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Last();

        /// <summary>esp_err_to_name(error): the ESP-IDF name of an error code ("UNKNOWN ERROR" for unknown codes).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern string Name(int error);
    }
}
