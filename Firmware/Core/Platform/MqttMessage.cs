namespace IotDevice.Core.Platform
{
    /// <summary>An application message received on a subscribed topic.</summary>
    public sealed class MqttMessage
    {
        public MqttMessage(string topic, byte[] payload)
        {
            Topic = topic;
            Payload = payload;
        }

        public string Topic { get; private set; }

        public byte[] Payload { get; private set; }
    }
}
