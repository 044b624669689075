namespace IotDevice.Core.Platform
{
    /// <summary>Raised for each received message (nanoFramework 1.x has no generic EventHandler).</summary>
    public delegate void MqttMessageHandler(object sender, MqttMessage message);
}
