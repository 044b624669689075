namespace NfBuild.Backend;

/// <summary>The fleet directory's paths as plan/contracts.md fixes them (the fleet tool owns the files; the backend reads them).</summary>
public sealed class FleetLayout
{
    public FleetLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string FleetJson => Path.Combine(Root, "fleet.json");
    public string PkiDir => Path.Combine(Root, "pki");
    public string RootCa => Path.Combine(PkiDir, "root-ca.pem");
    public string IssuingCa => Path.Combine(PkiDir, "issuing-ca.pem");
    public string CaBundle => Path.Combine(PkiDir, "ca-bundle.pem");
    public string ServerCert => Path.Combine(PkiDir, "server.pem");
    public string ServerKey => Path.Combine(PkiDir, "server.key");
    public string CrlPem => Path.Combine(PkiDir, "crl", "issuing-ca.crl.pem");
    /// <summary>OpenSSL-style hash directory (&lt;X509_NAME_hash of the issuer&gt;.r0) that Erlang's ssl_crl_hash_dir reads.</summary>
    public string CrlHashDir => Path.Combine(PkiDir, "crl", "hash");
    public string RenewalServiceCert => Path.Combine(PkiDir, "renewal-service.pem");
    public string RenewalServiceKey => Path.Combine(PkiDir, "renewal-service.key");
    public string Registry => Path.Combine(Root, "registry", "devices.json");
    public string RabbitMqDir => Path.Combine(Root, "backend", "rabbitmq");
    public string NodeConfigDir(BrokerRole role) => Path.Combine(RabbitMqDir, role.DirectoryName());

    /// <summary>Fails with one line naming the first missing file the brokers need.</summary>
    public void RequireBrokerFiles()
    {
        foreach (var (path, what) in new[]
                 {
                     (FleetJson, "fleet settings"), (CaBundle, "CA bundle"), (ServerCert, "broker certificate chain"),
                     (ServerKey, "broker key"), (Registry, "device registry"),
                 })
        {
            if (!File.Exists(path))
                throw new BackendException($"{what} {path} does not exist (create the fleet with the fleet tool first)");
        }
    }
}

public enum BrokerRole
{
    /// <summary>mTLS MQTT, certificate login, vhost iot.</summary>
    Primary,
    /// <summary>Server-authenticated TLS MQTT, password login, vhost fallback: renewal only.</summary>
    Fallback,
}

public static class BrokerRoleExtensions
{
    public static string DirectoryName(this BrokerRole role) => role == BrokerRole.Primary ? "primary" : "fallback";
}
