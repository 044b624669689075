namespace IotDevice.Core.Platform
{
    /// <summary>
    /// How the device proves who it is to a broker: either an X.509 client certificate with its private
    /// key (primary broker, mutual TLS), or a username and password inside TLS (fallback broker, used
    /// only when the certificate itself is the problem).
    /// </summary>
    public sealed class MqttCredentials
    {
        private MqttCredentials(string clientId, byte[] certificatePem, byte[] privateKeyPem, string username, string password)
        {
            if (clientId == null || clientId.Length == 0)
                throw new System.ArgumentException("client id is empty", "clientId");
            ClientId = clientId;
            CertificatePem = certificatePem;
            PrivateKeyPem = privateKeyPem;
            Username = username;
            Password = password;
        }

        /// <summary>
        /// Mutual TLS: the broker derives the identity from the certificate, so no username is sent (on
        /// RabbitMQ 3.10 a username or password would take priority over the certificate).
        /// <paramref name="certificatePem"/> is the leaf followed by its issuing CA(s), as sent in the handshake.
        /// </summary>
        public static MqttCredentials FromCertificate(string clientId, byte[] certificatePem, byte[] privateKeyPem)
        {
            if (certificatePem == null || certificatePem.Length == 0)
                throw new System.ArgumentException("client certificate is empty", "certificatePem");
            if (privateKeyPem == null || privateKeyPem.Length == 0)
                throw new System.ArgumentException("client private key is empty", "privateKeyPem");
            return new MqttCredentials(clientId, certificatePem, privateKeyPem, null, null);
        }

        /// <summary>Password login over server-authenticated TLS (fallback broker).</summary>
        public static MqttCredentials FromPassword(string clientId, string username, string password)
        {
            if (username == null || username.Length == 0)
                throw new System.ArgumentException("username is empty", "username");
            if (password == null || password.Length == 0)
                throw new System.ArgumentException("password is empty", "password");
            return new MqttCredentials(clientId, null, null, username, password);
        }

        public string ClientId { get; private set; }

        public byte[] CertificatePem { get; private set; }

        public byte[] PrivateKeyPem { get; private set; }

        public string Username { get; private set; }

        public string Password { get; private set; }

        public bool UsesCertificate
        {
            get { return CertificatePem != null; }
        }
    }
}
