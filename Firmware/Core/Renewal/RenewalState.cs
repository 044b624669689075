namespace IotDevice.Core.Renewal
{
    /// <summary>Where the <see cref="RenewalClient"/> stands.</summary>
    public enum RenewalState
    {
        Idle = 0,
        AwaitingStanding = 1,
        AwaitingCertificate = 2,

        /// <summary>A verified certificate is in the inactive slot; the primary is being tried with it.</summary>
        TrialPending = 3,

        /// <summary>The service says the device is revoked: no renewal; a standing query once a day.</summary>
        Revoked = 4
    }
}
