namespace IotDevice.Core.Connectivity
{
    /// <summary>How a connection with a renewed (not yet committed) identity went.</summary>
    public enum TrialOutcome
    {
        None = 0,

        /// <summary>Requested; the next attempts use the inactive slot on the primary.</summary>
        Pending = 1,

        /// <summary>CONNACK accepted: the renewal client may commit.</summary>
        Accepted = 2,

        /// <summary>The primary refused the certificate or the login: discard it, keep the old identity.</summary>
        Refused = 3
    }
}
