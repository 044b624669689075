namespace IotDevice.Core.Platform
{
    /// <summary>
    /// Why a connection attempt ended. The connection policy switches to the fallback broker on
    /// identity failures only; network failures are retried against the same broker.
    /// </summary>
    public enum MqttConnectResult
    {
        /// <summary>CONNACK accepted.</summary>
        Connected = 0,

        /// <summary>DNS, TCP or timeout: the broker was not reached. Retry later, same broker.</summary>
        NetworkError = 1,

        /// <summary>TLS handshake failed on the server's side of trust (unknown CA, wrong host name).</summary>
        ServerNotTrusted = 2,

        /// <summary>The broker rejected the client certificate (expired, revoked, unknown) during the handshake.</summary>
        ClientCertificateRejected = 3,

        /// <summary>TLS worked but the broker refused the login (CONNACK 4/5).</summary>
        NotAuthorized = 4
    }
}
