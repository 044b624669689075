using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// The MQTT topics of one device: everything it may touch lives under <c>devices/&lt;id&gt;/</c>.
    /// The broker enforces this (RabbitMQ topic permissions keyed on the certificate's user name), and
    /// the device refuses to build a topic for any other id, so a bug or a forged command can't make it
    /// publish into another device's tree.
    /// </summary>
    public sealed class DeviceTopics
    {
        /// <summary>Root of every device's tree.</summary>
        public const string Root = "devices";

        /// <summary>Longest id accepted: fits an X.509 CN and a 15-character NVS key suffix budget.</summary>
        public const int MaxIdLength = 32;

        public DeviceTopics(string deviceId)
        {
            ValidateDeviceId(deviceId);
            DeviceId = deviceId;
            Prefix = Root + "/" + deviceId + "/";
        }

        public string DeviceId { get; private set; }

        /// <summary><c>devices/&lt;id&gt;/</c></summary>
        public string Prefix { get; private set; }

        /// <summary>Device → cloud measurements.</summary>
        public string Telemetry
        {
            get { return Prefix + "telemetry"; }
        }

        /// <summary>Device → cloud state (firmware version, slot, certificate expiry).</summary>
        public string Status
        {
            get { return Prefix + "status"; }
        }

        /// <summary>Cloud → device commands.</summary>
        public string Commands
        {
            get { return Prefix + "commands"; }
        }

        /// <summary>Device → renewal service: standing queries and certificate requests (primary and fallback broker).</summary>
        public string RenewRequest
        {
            get { return Prefix + "renew/request"; }
        }

        /// <summary>Renewal service → device: answers to <see cref="RenewRequest"/>.</summary>
        public string RenewResponse
        {
            get { return Prefix + "renew/response"; }
        }

        /// <summary>True when <paramref name="topic"/> lies inside this device's tree.</summary>
        public bool Owns(string topic)
        {
            return topic != null && topic.Length > Prefix.Length && topic.IndexOf(Prefix) == 0;
        }

        /// <summary>
        /// Checks an id before it becomes part of a topic or a certificate name. Only lower-case letters,
        /// digits and '-' are allowed: '/', '+', '#' would change the topic structure, and '.' is
        /// RabbitMQ's routing-key separator (it maps MQTT '/' to '.'), so it could escape the tree.
        /// </summary>
        public static void ValidateDeviceId(string deviceId)
        {
            if (deviceId == null || deviceId.Length == 0)
                throw new ArgumentException("device id is empty");
            if (deviceId.Length > MaxIdLength)
                throw new ArgumentException("device id '" + deviceId + "' is longer than " + MaxIdLength.ToString() + " characters");
            for (int i = 0; i < deviceId.Length; i++)
            {
                char c = deviceId[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                if (!ok)
                    throw new ArgumentException("device id '" + deviceId + "' has character '" + c.ToString() + "' at position " + i.ToString() + "; only a-z, 0-9 and '-' are allowed");
            }
            if (deviceId[0] == '-' || deviceId[deviceId.Length - 1] == '-')
                throw new ArgumentException("device id '" + deviceId + "' must not start or end with '-'");
        }
    }
}
