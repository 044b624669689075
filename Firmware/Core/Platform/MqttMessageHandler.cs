namespace IotDevice.Core.Platform
{
    /// <summary>Raised for each received message (non-generic: the nanoFramework 1.x runtime does not support generics).</summary>
    public delegate void MqttMessageHandler(object sender, MqttMessage message);
}
