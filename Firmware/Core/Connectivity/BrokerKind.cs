namespace IotDevice.Core.Connectivity
{
    /// <summary>Which broker the connection manager aims at.</summary>
    public enum BrokerKind
    {
        /// <summary>Mutual TLS with the device certificate; everything runs here.</summary>
        Primary = 0,

        /// <summary>Server-authenticated TLS and password; only to renew a certificate the primary refuses.</summary>
        Fallback = 1
    }
}
