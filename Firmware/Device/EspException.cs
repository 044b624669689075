using System;
using IotDevice.Interop;

namespace IotDevice.Device
{
    /// <summary>
    /// A failed native call of IotDevice.Interop: the esp_err_t (or mbedTLS error, negative) and its name, e.g.
    /// "nvs_get_str failed: ESP_ERR_NVS_NOT_FOUND (0x1102)". README.md, "ESP32 image".
    /// </summary>
    public sealed class EspException : Exception
    {
        public EspException(string operation, int error)
            : base(operation + " failed: " + NameOf(error))
        {
            Operation = operation;
            Error = error;
        }

        /// <summary>What was called (the ESP-IDF function).</summary>
        public string Operation { get; private set; }

        /// <summary>The esp_err_t (positive, ESP_FAIL = -1) or mbedTLS error (negative).</summary>
        public int Error { get; private set; }

        /// <summary>Throws when a native call that returns an esp_err_t failed.</summary>
        public static void Check(string operation, int error)
        {
            if (error != 0)
                throw new EspException(operation, error);
        }

        /// <summary>Throws with <see cref="EspError.Last"/> when a native call that returns data returned none.</summary>
        public static void CheckResult(string operation, object result)
        {
            if (result == null)
                throw new EspException(operation, EspError.Last());
        }

        /// <summary>The ESP-IDF name of an esp_err_t; mbedTLS errors (below -1) as "mbedTLS -0xNNNN".</summary>
        public static string NameOf(int error)
        {
            if (error < -1)
                return "mbedTLS -0x" + (-error).ToString("X4");
            return EspError.Name(error) + " (0x" + error.ToString("X") + ")";
        }
    }
}
