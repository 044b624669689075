namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Where an MQTT session connects and which server it trusts. The CA is pinned: the session only
    /// accepts a broker certificate that chains to <see cref="CaCertificatePem"/>, never the platform's
    /// default trust store, so a certificate from any other authority is refused.
    /// </summary>
    public sealed class MqttEndpoint
    {
        public MqttEndpoint(string host, int port, byte[] caCertificatePem)
        {
            if (host == null || host.Length == 0)
                throw new System.ArgumentException("broker host is empty", "host");
            if (port <= 0 || port > 65535)
                throw new System.ArgumentOutOfRangeException("port", "broker port must be 1..65535");
            if (caCertificatePem == null || caCertificatePem.Length == 0)
                throw new System.ArgumentException("a pinned CA certificate is required (no unauthenticated TLS)", "caCertificatePem");
            Host = host;
            Port = port;
            CaCertificatePem = caCertificatePem;
        }

        /// <summary>DNS name the broker certificate must carry (SNI and name check use it).</summary>
        public string Host { get; private set; }

        public int Port { get; private set; }

        /// <summary>PEM of the CA the broker certificate must chain to.</summary>
        public byte[] CaCertificatePem { get; private set; }
    }
}
