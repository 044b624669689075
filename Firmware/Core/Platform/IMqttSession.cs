using System;

namespace IotDevice.Core.Platform
{
    /// <summary>
    /// One MQTT 3.1.1 session over TLS 1.2 (pinned: on TLS 1.3 a rejected client certificate surfaces only
    /// after the client's side of the handshake, as a read error the adapter cannot tell from a network
    /// drop). Adapters: nanoFramework.M2Mqtt on the device, MQTTnet on the host. The session never
    /// reconnects on its own; the connection manager in the core decides when and to which broker. Calls
    /// block (bounded by the adapter's timeouts) and are made from the device's main loop only.
    /// </summary>
    public interface IMqttSession : IDisposable
    {
        bool IsConnected { get; }

        /// <summary>
        /// Connects with TLS to <paramref name="endpoint"/> (clean session off, keep-alive chosen by the
        /// adapter), registering <paramref name="will"/> (may be null). Never throws for a refused or failed
        /// connection: the result says why, which decides between retrying and the fallback broker.
        /// </summary>
        MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will);

        /// <summary>
        /// Publishes at QoS 1 and waits for the broker's PUBACK. False when the session is down or the
        /// acknowledgement did not come in time (the caller keeps the message and retries later).
        /// </summary>
        bool Publish(string topic, byte[] payload, bool retain);

        /// <summary>Subscribes at QoS 1; false when the broker refused or the session is down.</summary>
        bool Subscribe(string topic);

        void Disconnect();

        event MqttMessageHandler MessageReceived;

        /// <summary>Raised when an established connection drops (not on Disconnect).</summary>
        event EventHandler ConnectionLost;
    }
}
