using IotDevice.Core.Messaging;

namespace IotDevice.Core.Renewal
{
    /// <summary>
    /// The exact bytes the CURRENT key signs to prove possession in a renewal request (README "Device protocols"):
    /// <code>
    /// iotdevice-renewal-pop-v1\n kind=..\n device=..\n serial=..\n csr-sha256=..\n request=..\n time=..\n
    /// </code>
    /// Shared by the device (signs) and the renewal service (verifies), so both build it from this one place.
    /// Threat: binding kind, device, serial, CSR hash, request id and time into the signature means a
    /// captured request cannot be replayed with another CSR (a key the attacker holds), for another device,
    /// or later (the service remembers request ids and checks the time).
    /// </summary>
    public static class ProofOfPossession
    {
        public const string Header = "iotdevice-renewal-pop-v1";

        /// <param name="csrSha256Hex">Lower-case hex SHA-256 of the CSR DER, or "" for a standing query.</param>
        public static byte[] Message(string kind, string deviceId, string serialHex, string csrSha256Hex, string requestId, string time)
        {
            return Utf8.GetBytes(Header + "\n"
                + "kind=" + kind + "\n"
                + "device=" + deviceId + "\n"
                + "serial=" + serialHex + "\n"
                + "csr-sha256=" + (csrSha256Hex == null ? "" : csrSha256Hex) + "\n"
                + "request=" + requestId + "\n"
                + "time=" + time + "\n");
        }
    }
}
