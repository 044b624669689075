using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// One identity slot as read from NVS: leaf and issuing-CA PEM, the name of the key entry, the fallback
    /// password that belongs to this certificate, and the parsed leaf (serial, expiry). Immutable: a new
    /// renewal produces a new object.
    /// </summary>
    public sealed class DeviceIdentity
    {
        public DeviceIdentity(int slot, string certificatePem, string chainPem, string keyName, string fallbackPassword)
        {
            Slot = slot;
            CertificatePem = certificatePem;
            ChainPem = chainPem;
            KeyName = keyName;
            FallbackPassword = fallbackPassword;
            if (certificatePem != null)
            {
                try
                {
                    Certificate = X509Certificate.Parse(Pem.Decode(certificatePem, Pem.CertificateLabel));
                }
                catch (DerFormatException)
                {
                    Certificate = null;
                }
            }
        }

        public int Slot { get; private set; }

        public string CertificatePem { get; private set; }

        public string ChainPem { get; private set; }

        /// <summary>Secure-store key of the private key (id0_key / id1_key), as IDeviceKeys names it.</summary>
        public string KeyName { get; private set; }

        public string FallbackPassword { get; private set; }

        /// <summary>The parsed leaf, or null when the stored PEM is missing or unreadable.</summary>
        public X509Certificate Certificate { get; private set; }

        /// <summary>Serial hex of the leaf, or "" when unknown.</summary>
        public string Serial
        {
            get { return Certificate == null ? "" : Certificate.SerialHex; }
        }

        /// <summary>Leaf expiry in the protocols' format, or "".</summary>
        public string NotAfterText
        {
            get { return Certificate == null ? "" : UtcTime.Format(Certificate.NotAfter); }
        }

        /// <summary>True when the slot has a readable certificate, a chain, a fallback password and the key entry exists.</summary>
        public bool IsComplete(bool keyPresent)
        {
            return Certificate != null && ChainPem != null && ChainPem.Length > 0 && FallbackPassword != null && FallbackPassword.Length > 0 && keyPresent;
        }

        /// <summary>True when the trusted clock is past the leaf's notAfter (alone, never a reason to leave the primary).</summary>
        public bool IsExpiredAt(DateTime now)
        {
            return Certificate != null && now > Certificate.NotAfter;
        }

        /// <summary>Mutual-TLS credentials: leaf then issuing CA (what the handshake sends), and the key PEM from the store.</summary>
        public MqttCredentials ToCredentials(string clientId, string privateKeyPem)
        {
            string chain = CertificatePem;
            if (chain.Length > 0 && chain[chain.Length - 1] != '\n')
                chain = chain + "\n";
            return MqttCredentials.FromCertificate(clientId, Utf8.GetBytes(chain + ChainPem), Utf8.GetBytes(privateKeyPem));
        }
    }
}
