using System;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using IotDevice.Core.Platform;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Exceptions;
using nanoFramework.M2Mqtt.Messages;

namespace IotDevice.Device
{
    /// <summary>
    /// <see cref="IMqttSession"/> on nanoFramework.M2Mqtt 5.1.220 over System.Net 1.11.60 (mbedTLS in the
    /// firmware). One <see cref="MqttClient"/> per connection attempt: M2Mqtt resolves DNS and fixes the
    /// certificates in its constructor, and a fresh client never carries state of a broker it talked to before.
    /// M2Mqtt never reconnects by itself; the core's connection manager decides when and where.
    ///
    /// Threads: Connect, Publish, Subscribe and Disconnect are called from the device's main loop.
    /// <see cref="MessageReceived"/> and <see cref="ConnectionLost"/> are raised on M2Mqtt's dispatch thread;
    /// handlers must be short (queue the work for the main loop). A handler that throws is caught here:
    /// M2Mqtt would otherwise treat the exception as a broken connection and drop it.
    ///
    /// Firmware requirement: System.Net 1.11.60 declares native System.Net 100.2.0.14 (nf-interpreter
    /// #3460); the TLS failure classification below needs nf-interpreter #3468 (51945c3) or later, where
    /// SslNative.SecureConnect throws CryptographicException for a failed handshake. Older firmware returned
    /// the mbedTLS code without throwing, so every handshake failure surfaced later as a CONNACK timeout
    /// (NetworkError) and a rejected certificate could not be told from a network drop.
    /// </summary>
    public sealed class M2MqttSession : IMqttSession
    {
        /// <summary>PINGREQ interval; the broker drops the session (and publishes the will) after 1.5x this without traffic.</summary>
        private const ushort KeepAliveSeconds = 60;

        /// <summary>How long Publish waits for PUBACK and Subscribe for SUBACK before the call reports failure.</summary>
        private const int AckTimeoutMilliseconds = 10000;

        /// <summary>Poll interval of that wait (a polled flag: the acknowledgement comes from M2Mqtt's dispatch thread).</summary>
        private const int AckPollMilliseconds = 20;

        /// <summary>
        /// M2Mqtt's default inflight queue is unbounded (int.MaxValue): with a broker that stops acknowledging,
        /// every retried message would stay in RAM. Bounded, a full queue makes Publish return false and the
        /// core keeps the message in its own (bounded) offline queue instead. Received QoS 1 messages also pass
        /// through this queue for their PUBACK, so it keeps room beyond the one publish the core has in flight.
        /// </summary>
        private const int InflightQueueLimit = 16;

        // mbedTLS 3.6 error codes (include/mbedtls/ssl.h, x509.h) as nf-interpreter passes them in
        // CryptographicException.ErrorCode (src/PAL/COM/sockets/ssl/MbedTLS/ssl_connect_internal.cpp).
        private const int MbedTlsErrSslFatalAlertMessage = -0x7780;
        private const int MbedTlsErrSslBadCertificate = -0x7A00;
        private const int MbedTlsErrX509CertVerifyFailed = -0x2700;

        private readonly object _sync = new object();

        // All fields below are guarded by _sync: the M2Mqtt dispatch thread reads them in the event handlers.
        private MqttClient _client;
        private bool _disposed;
        private bool _awaitingAck;
        private bool _awaitingSubAck;
        private ushort _awaitedMessageId;
        private bool _ackArrived;
        private bool _ackSucceeded;

        public event MqttMessageHandler MessageReceived;

        public event EventHandler ConnectionLost;

        public bool IsConnected
        {
            get
            {
                lock (_sync)
                {
                    return _client != null && _client.IsConnected;
                }
            }
        }

        public MqttConnectResult Connect(MqttEndpoint endpoint, MqttCredentials credentials, MqttWill will)
        {
            if (endpoint == null)
                throw new ArgumentNullException("endpoint");
            if (credentials == null)
                throw new ArgumentNullException("credentials");
            string willMessage = will == null ? null : WillText(will.Payload);

            lock (_sync)
            {
                if (_disposed)
                    throw new ObjectDisposedException("M2MqttSession");
            }

            // A new connection replaces the old one; the old client's ConnectionClosed is ignored (it is no
            // longer _client), so this is not reported as a lost connection.
            Disconnect();

            X509Certificate caCertificate;
            try
            {
                // The pinned root(s): one X509Certificate may hold a PEM bundle (ca_0 followed by ca_1 during a
                // root rotation); mbedtls_x509_crt_parse adds every PEM certificate of a NUL-terminated buffer
                // to the trust chain. Threat: nanoFramework ALSO trusts the CA bundle stored in the device's
                // configuration block (ssl_generic_init_internal.cpp loads it into every context), so the pin
                // holds only while provisioning leaves that store empty; anyone who can write the config block
                // can add a CA, but that already requires flashing the device.
                caCertificate = new X509Certificate(PemTerminated(endpoint.CaCertificatePem));
            }
            catch (Exception e)
            {
                // Native ParseCertificate fails with CLR_E_INVALID_PARAMETER (ArgumentException): a pin the
                // device cannot read can authenticate no server, and retrying will not change that.
                Log("pinned CA unreadable", e);
                return MqttConnectResult.ServerNotTrusted;
            }

            X509Certificate2 clientCertificate = null;
            byte[] keyCopy = null;
            if (credentials.UsesCertificate)
            {
                try
                {
                    // X509Certificate2(byte[] rawData, byte[] key, string password) (System.Net,
                    // X509Certificates/X509Certificate2.cs): the key bytes are kept as given and handed to
                    // mbedtls_pk_parse_key, which reads PEM only when the buffer ends in NUL. rawData is the
                    // leaf followed by the issuing CA: mbedTLS parses the whole chain into own_cert and sends
                    // it in the handshake. It is passed as an X509Certificate2 so that SslNative.InitHelper
                    // finds its private key (it checks the runtime type) and so that M2Mqtt sets
                    // UseStoredDeviceCertificate = false: the identity used is the one in NVS, never a
                    // certificate left in the configuration block.
                    keyCopy = PemTerminated(credentials.PrivateKeyPem);
                    clientCertificate = new X509Certificate2(PemTerminated(credentials.CertificatePem), keyCopy, null);
                }
                catch (Exception e)
                {
                    // Unparseable certificate or key (ArgumentException from the native parsers): this identity
                    // cannot log in anywhere, which is what the fallback broker (renewal) is for.
                    Log("client identity unreadable", e);
                    Clear(keyCopy);
                    return MqttConnectResult.ClientCertificateRejected;
                }
            }
            // Password login (fallback): clientCert null makes M2Mqtt set UseStoredDeviceCertificate = true
            // (MqttNetworkChannel.Connect), so a device certificate stored in the configuration block would be
            // configured as own certificate. Provisioning stores none. Even if one were there it is not sent:
            // a TLS 1.2 client sends a certificate only when the server asks (CertificateRequest), and the
            // fallback broker does not ask (verify_none). Threat: a rogue server would need a certificate
            // chaining to the pinned root to get that far, and would then learn only a public certificate; the
            // CertificateVerify signature is bound to that one handshake and cannot be replayed.

            MqttClient client = null;
            try
            {
                try
                {
                    // DNS is resolved here (MqttNetworkChannel constructor, Dns.GetHostEntry): a SocketException
                    // or "No address found" Exception means the broker was not reached.
                    client = new MqttClient(endpoint.Host, endpoint.Port, true, caCertificate, clientCertificate, MqttSslProtocols.TLSv1_2);
                }
                catch (Exception e)
                {
                    Log("cannot resolve " + endpoint.Host, e);
                    return MqttConnectResult.NetworkError;
                }

                // MqttSettings is one instance shared by every MqttClient: set what this session relies on
                // each time. Threat: with ValidateServerCertificate false M2Mqtt sets SslVerification
                // NoVerification and any server would be accepted, pin or not.
                client.Settings.ValidateServerCertificate = true;
                client.Settings.InflightQueueSize = InflightQueueLimit;
                client.ProtocolVersion = MqttProtocolVersion.Version_3_1_1;

                client.MqttMsgPublishReceived += OnPublishReceived;
                client.MqttMsgPublished += OnPublished;
                client.MqttMsgSubscribed += OnSubscribed;
                client.ConnectionClosed += OnConnectionClosed;

                MqttReasonCode code;
                try
                {
                    // Certificate login sends no username and no password (on RabbitMQ either would take
                    // priority over the certificate); M2Mqtt omits null or empty ones. Clean session off: the
                    // broker keeps the subscriptions and queued QoS 1 commands across reconnects. The will is
                    // QoS 1 and retained as the status topic requires.
                    code = client.Connect(
                        credentials.ClientId,
                        credentials.Username,
                        credentials.Password,
                        will != null && will.Retain,
                        MqttQoSLevel.AtLeastOnce,
                        will != null,
                        will == null ? null : will.Topic,
                        willMessage,
                        false,
                        KeepAliveSeconds);
                }
                catch (MqttConnectionException e)
                {
                    // Thrown for anything MqttNetworkChannel.Connect (TCP connect + TLS handshake) threw;
                    // the original exception is the inner one.
                    Exception cause = InnerOf(e);
                    MqttConnectResult failure = ClassifyTransportFailure(cause, credentials.UsesCertificate);
                    Log("connect to " + endpoint.Host + ":" + endpoint.Port.ToString() + " failed (" + ResultName(failure) + ")", cause);
                    return failure; // the finally block closes the client
                }
                catch (Exception e)
                {
                    // MqttCommunicationException: CONNECT could not be sent or no CONNACK within
                    // MqttSettings.DefaultTimeout (30 s). TLS is already up at this point.
                    Log("no CONNACK from " + endpoint.Host, e);
                    return MqttConnectResult.NetworkError;
                }

                MqttConnectResult result = MapConnack(code);
                if (result != MqttConnectResult.Connected)
                {
                    // A refused CONNACK leaves M2Mqtt's receive thread and the TLS socket open (it starts the
                    // dispatch thread that would close them only on success): the finally block closes them.
                    Console.WriteLine("mqtt: " + endpoint.Host + " refused the login, CONNACK " + ((int)code).ToString());
                    return result;
                }

                bool kept = false;
                lock (_sync)
                {
                    // If the connection already dropped, M2Mqtt cleared IsConnected before raising
                    // ConnectionClosed, which was ignored (the client was not _client yet).
                    if (!_disposed && client.IsConnected)
                    {
                        _client = client;
                        kept = true;
                    }
                }

                if (!kept)
                    return MqttConnectResult.NetworkError; // the finally block closes the client

                client = null;
                return MqttConnectResult.Connected;
            }
            finally
            {
                if (client != null)
                    Close(client);

                // The handshake is over: mbedTLS holds its own parsed copy of the key in the SSL context, and
                // this client is never reconnected, so the managed copy need not outlive the call. Threat: it
                // shortens the time a managed-heap dump could show the key; it does not protect against code
                // running on the device.
                Clear(keyCopy);
            }
        }

        public bool Publish(string topic, byte[] payload, bool retain)
        {
            if (topic == null || topic.Length == 0)
                throw new ArgumentException("topic is empty", "topic");
            if (payload == null)
                throw new ArgumentNullException("payload");

            lock (_sync)
            {
                if (_client == null || !_client.IsConnected)
                    return false;
                try
                {
                    // Publish only enqueues; the message id is known when it returns. The PUBACK handler takes
                    // _sync too, so it cannot run before the awaited id is recorded.
                    ushort id = _client.Publish(topic, payload, null, null, MqttQoSLevel.AtLeastOnce, retain);
                    Await(id, false);
                }
                catch (Exception e)
                {
                    // MqttClientException(InflightQueueFull), or the session closing under us.
                    Log("publish to " + topic + " not queued", e);
                    return false;
                }
            }

            return WaitForAck();
        }

        public bool Subscribe(string topic)
        {
            if (topic == null || topic.Length == 0)
                throw new ArgumentException("topic is empty", "topic");

            lock (_sync)
            {
                if (_client == null || !_client.IsConnected)
                    return false;
                try
                {
                    ushort id = _client.Subscribe(new string[] { topic }, new MqttQoSLevel[] { MqttQoSLevel.AtLeastOnce });
                    Await(id, true);
                }
                catch (Exception e)
                {
                    Log("subscribe to " + topic + " not queued", e);
                    return false;
                }
            }

            return WaitForAck();
        }

        public void Disconnect()
        {
            MqttClient client;
            lock (_sync)
            {
                client = _client;
                _client = null;
                ReleaseWaiter(false);
            }

            if (client == null)
                return;

            try
            {
                // DISCONNECT tells the broker to discard the will: the core publishes its own status first.
                if (client.IsConnected)
                    client.Disconnect();
            }
            catch (Exception)
            {
                // Best effort: the connection may be gone already.
            }

            Close(client);
        }

        public void Dispose()
        {
            lock (_sync)
            {
                _disposed = true;
            }

            Disconnect();
        }

        // ---- acknowledgements ------------------------------------------------------------------------

        /// <summary>Records the message id the main loop now waits for. Caller holds _sync.</summary>
        private void Await(ushort messageId, bool subscribe)
        {
            _awaitedMessageId = messageId;
            _awaitingSubAck = subscribe;
            _ackSucceeded = false;
            _ackArrived = false;
            _awaitingAck = true;
        }

        private bool WaitForAck()
        {
            // Bounded: the core calls from its main loop. A PUBACK that comes later is ignored, and M2Mqtt may
            // still retransmit that message (DUP); the core retries it as well, so the broker can see it twice
            // (QoS 1 is at-least-once).
            for (int waited = 0; ; waited += AckPollMilliseconds)
            {
                lock (_sync)
                {
                    if (_ackArrived || waited >= AckTimeoutMilliseconds)
                    {
                        bool ok = _ackArrived && _ackSucceeded;
                        _awaitingAck = false;
                        return ok;
                    }
                }

                Thread.Sleep(AckPollMilliseconds);
            }
        }

        /// <summary>Ends the current wait with <paramref name="succeeded"/>. Caller holds _sync.</summary>
        private void ReleaseWaiter(bool succeeded)
        {
            if (!_awaitingAck)
                return;
            _ackSucceeded = succeeded;
            _ackArrived = true;
            _awaitingAck = false;
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            lock (_sync)
            {
                // IsPublished is false when M2Mqtt gave up after its own retries (MqttSettings.AttemptsOnRetry).
                if (sender == _client && _awaitingAck && !_awaitingSubAck && e.MessageId == _awaitedMessageId)
                    ReleaseWaiter(e.IsPublished);
            }
        }

        private void OnSubscribed(object sender, MqttMsgSubscribedEventArgs e)
        {
            lock (_sync)
            {
                if (sender == _client && _awaitingAck && _awaitingSubAck && e.MessageId == _awaitedMessageId)
                {
                    // SUBACK return code 0x80 (GrantedFailure) is the broker's refusal (e.g. RabbitMQ without read
                    // permission on the topic); a downgrade to QoS 0 could lose commands, so it counts as failure.
                    MqttQoSLevel[] granted = e.GrantedQoSLevels;
                    ReleaseWaiter(granted != null && granted.Length == 1 && granted[0] == MqttQoSLevel.AtLeastOnce);
                }
            }
        }

        // ---- connection and messages -----------------------------------------------------------------

        private void OnConnectionClosed(object sender, EventArgs e)
        {
            lock (_sync)
            {
                // Raised after M2Mqtt closed the client: for a drop (read error, keep-alive timeout) and also after
                // our own Disconnect, which cleared _client first and so is not reported.
                if (sender != _client || _client == null)
                    return;
                _client = null;
                ReleaseWaiter(false);
            }

            EventHandler handler = ConnectionLost;
            if (handler == null)
                return;
            try
            {
                handler(this, EventArgs.Empty);
            }
            catch (Exception ex)
            {
                Log("ConnectionLost handler failed", ex);
            }
        }

        private void OnPublishReceived(object sender, MqttMsgPublishEventArgs e)
        {
            lock (_sync)
            {
                if (_disposed)
                    return;
            }

            // Delivered whichever client received it: M2Mqtt has already queued the PUBACK, so dropping a message
            // of a client being replaced would lose it for good.
            MqttMessageHandler handler = MessageReceived;
            if (handler == null)
                return;
            try
            {
                handler(this, new MqttMessage(e.Topic, e.Message));
            }
            catch (Exception ex)
            {
                Log("MessageReceived handler failed for " + e.Topic, ex);
            }
        }

        // ---- classification --------------------------------------------------------------------------

        /// <summary>
        /// What an exception from MqttNetworkChannel.Connect (Socket.Connect, then SslStream.AuthenticateAsClient)
        /// means for the connection policy. Sources: nf-interpreter a3e8139
        /// src/DeviceInterfaces/System.Net/sys_net_native_System_Net_Security_SslNative.cpp (SecureConnect,
        /// InitHelper), src/PAL/COM/sockets/ssl/MbedTLS/ssl_connect_internal.cpp, mbedTLS 3.6 ssl_msg.c.
        /// </summary>
        private static MqttConnectResult ClassifyTransportFailure(Exception e, bool presentedCertificate)
        {
            CryptographicException crypto = e as CryptographicException;
            if (crypto != null)
            {
                int code = crypto.ErrorCode;

                // SslError_HandshakeCertVerifyFailed: the code is mbedtls_ssl_get_verify_result(), a positive
                // MBEDTLS_X509_BADCERT_* bit set (NOT_TRUSTED 0x08, CN_MISMATCH 0x04, EXPIRED 0x01, FUTURE
                // 0x0200...): the broker's certificate does not chain to the pin or does not name the host.
                // Context set-up failures (SslError, 1..9, from InitHelper) are positive too; the ones our input
                // could cause (certificate or key unparseable) were already caught by the X509Certificate(2)
                // constructors, so a positive code is read as the server not being trusted.
                if (code > 0 || code == MbedTlsErrX509CertVerifyFailed || code == MbedTlsErrSslBadCertificate)
                    return MqttConnectResult.ServerNotTrusted;

                // The server ended the handshake with a fatal alert (mbedTLS does not expose which one). With
                // TLS 1.2 the broker verifies the client certificate during the handshake and answers a bad one
                // (unknown CA, expired, revoked: bad_certificate, certificate_expired, certificate_revoked,
                // unknown_ca) with an alert instead of its Finished. Threat: an on-path attacker can forge this
                // alert and push the device to the fallback broker, which it could also do by dropping packets;
                // the fallback still authenticates the server against the pin and only permits renewal.
                if (code == MbedTlsErrSslFatalAlertMessage)
                    return presentedCertificate ? MqttConnectResult.ClientCertificateRejected : MqttConnectResult.NetworkError;

                // Anything else (MBEDTLS_ERR_NET_CONN_RESET, MBEDTLS_ERR_SSL_CONN_EOF, protocol or cipher
                // mismatch): not an identity problem, retry the same broker later.
                return MqttConnectResult.NetworkError;
            }

            // SocketException: TCP connect refused or timed out, host unreachable (ErrorCode is the lwIP errno
            // mapped to SocketError). InvalidOperationException: no free SSL context (CLR_E_INVALID_OPERATION).
            // OutOfMemoryException: CLR_E_OUT_OF_MEMORY while setting up the context. All transient.
            return MqttConnectResult.NetworkError;
        }

        /// <summary>
        /// CONNACK return codes of MQTT 3.1.1 (MqttReasonCode, nanoFramework.M2Mqtt.Core/Messages/MqttReasonCode.cs).
        /// </summary>
        private static MqttConnectResult MapConnack(MqttReasonCode code)
        {
            switch (code)
            {
                case MqttReasonCode.Success:
                    return MqttConnectResult.Connected;

                // 4 bad user name or password, 5 not authorized, 2 identifier rejected: the broker refuses this
                // identity (RabbitMQ: unknown user, wrong password, no vhost access, client id not allowed).
                case MqttReasonCode.ConnectionRefusedBadUserNameOrPassword:
                case MqttReasonCode.ConnectionRefusedNotAuthorized:
                case MqttReasonCode.ConnectionRefusedIdentifierRejected:
                    return MqttConnectResult.NotAuthorized;

                // 3 server unavailable, 1 unacceptable protocol version and anything else: try again later.
                default:
                    return MqttConnectResult.NetworkError;
            }
        }

        // ---- helpers ---------------------------------------------------------------------------------

        /// <summary>
        /// A copy of <paramref name="pem"/> that ends in NUL. mbedTLS (x509_crt.c, pkparse.c) treats a buffer as
        /// PEM only when its last byte is NUL; X509Certificate(byte[]) and X509Certificate2(byte[], byte[], string)
        /// pass the array as it is, so a PEM without the terminator would be parsed as DER and rejected.
        /// </summary>
        private static byte[] PemTerminated(byte[] pem)
        {
            int length = pem.Length;
            if (length > 0 && pem[length - 1] == 0)
                length--;
            byte[] copy = new byte[length + 1];
            Array.Copy(pem, copy, length);
            copy[length] = 0;
            return copy;
        }

        /// <summary>
        /// M2Mqtt takes the will message as a string and sends its UTF-8 encoding
        /// (MqttMsgConnect.GetBytes): only UTF-8 payloads survive, which the text status payload is.
        /// </summary>
        private static string WillText(byte[] payload)
        {
            string text = Encoding.UTF8.GetString(payload, 0, payload.Length);
            byte[] back = Encoding.UTF8.GetBytes(text);
            bool same = back.Length == payload.Length;
            for (int i = 0; same && i < back.Length; i++)
                same = back[i] == payload[i];
            if (!same)
                throw new ArgumentException("the will payload must be UTF-8 text (M2Mqtt sends the will as a string)", "will");
            return text;
        }

        private void Close(MqttClient client)
        {
            try
            {
                client.MqttMsgPublishReceived -= OnPublishReceived;
                client.MqttMsgPublished -= OnPublished;
                client.MqttMsgSubscribed -= OnSubscribed;
                client.ConnectionClosed -= OnConnectionClosed;
                client.Close();
            }
            catch (Exception)
            {
                // Best effort, as M2Mqtt's own Close.
            }
        }

        /// <summary>MqttConnectionException(string, Exception) keeps the channel's exception as System.Exception.InnerException.</summary>
        private static Exception InnerOf(Exception wrapper)
        {
            return wrapper.InnerException;
        }

        private static void Clear(byte[] buffer)
        {
            if (buffer != null)
                Array.Clear(buffer, 0, buffer.Length);
        }

        private static string ResultName(MqttConnectResult result)
        {
            switch (result)
            {
                case MqttConnectResult.ServerNotTrusted: return "server not trusted";
                case MqttConnectResult.ClientCertificateRejected: return "client certificate rejected";
                case MqttConnectResult.NotAuthorized: return "not authorized";
                case MqttConnectResult.Connected: return "connected";
                default: return "network error";
            }
        }

        private static void Log(string what, Exception e)
        {
            // No secret is ever part of these lines: topics, host names, exception types and codes only.
            string detail = e == null ? "" : ": " + ((object)e).GetType().Name;
            SocketException socket = e as SocketException;
            if (socket != null)
                detail += " " + socket.ErrorCode.ToString();
            CryptographicException crypto = e as CryptographicException;
            if (crypto != null)
                detail += " " + crypto.ErrorCode.ToString();
            Console.WriteLine("mqtt: " + what + detail);
        }
    }
}
