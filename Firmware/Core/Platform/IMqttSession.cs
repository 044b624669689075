using System;

namespace IotDevice.Core.Platform
{
    /// <summary>
    /// One MQTT 3.1.1 session over TLS. Adapters: nanoFramework.M2Mqtt on the device, MQTTnet on the
    /// host. The session never reconnects on its own; the connection policy in the core decides when
    /// and to which broker.
    /// </summary>
    public interface IMqttSession : IDisposable
    {
        bool IsConnected { get; }

        /// <summary>Connects with TLS to <paramref name="endpoint"/>; never throws for a refused connection.</summary>
        MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials);

        /// <summary>Publishes at QoS 1.</summary>
        void Publish(string topic, byte[] payload);

        /// <summary>Subscribes at QoS 1.</summary>
        void Subscribe(string topic);

        void Disconnect();

        event MqttMessageHandler MessageReceived;

        /// <summary>Raised when an established connection drops (not on Disconnect).</summary>
        event EventHandler ConnectionLost;
    }
}
