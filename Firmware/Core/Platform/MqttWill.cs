namespace IotDevice.Core.Platform
{
    /// <summary>
    /// The last will the broker publishes when the session ends without a DISCONNECT (power loss, network
    /// loss): the device's retained status topic, so the backend sees "offline" instead of a stale "online".
    /// </summary>
    public sealed class MqttWill
    {
        public MqttWill(string topic, byte[] payload, bool retain)
        {
            if (topic == null || topic.Length == 0)
                throw new System.ArgumentException("will topic is empty", "topic");
            if (payload == null)
                throw new System.ArgumentNullException("payload");
            Topic = topic;
            Payload = payload;
            Retain = retain;
        }

        public string Topic { get; private set; }

        public byte[] Payload { get; private set; }

        public bool Retain { get; private set; }
    }
}
