namespace NfBuild.Demo;

/// <summary>Which backend the demo runs against.</summary>
public enum DemoBackendKind
{
    /// <summary>In this process: MQTTnet broker (primary + fallback), Kestrel firmware server, renewal authority.</summary>
    Embedded,
    /// <summary>Two RabbitMQ 3.10 nodes, Apache 2.4 and the renewal service over AMQPS, on loopback (Debian packages).</summary>
    RabbitMq,
}
