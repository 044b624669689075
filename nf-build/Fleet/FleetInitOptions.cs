namespace NfBuild.Fleet;

/// <summary>Parameters of <see cref="FleetInitializer.Create"/>.</summary>
public sealed class FleetInitOptions
{
    /// <summary>Fleet name: O= of every certificate, part of the CA names.</summary>
    public string Name { get; init; } = "iotdevice";

    /// <summary>Broker host names and IP addresses: the server certificate's SANs; the first is the default endpoint host.</summary>
    public IReadOnlyList<string> BrokerHosts { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>Lifetime of the root and issuing CA certificates.</summary>
    public int CaDays { get; init; } = 3650;

    /// <summary>Lifetime of the broker and renewal-service certificates.</summary>
    public int ServiceCertDays { get; init; } = 825;
}
