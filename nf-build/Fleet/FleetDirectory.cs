namespace NfBuild.Fleet;

/// <summary>
/// A fleet workspace on disk: the fixed paths of README "Fleet workspace" (fleet.json, pki/, registry/, devices/,
/// backend/) and its settings. <see cref="Open"/> an existing one; <see cref="FleetInitializer"/> creates one.
/// </summary>
public sealed class FleetDirectory
{
    private FleetDirectory(string root, FleetSettings settings)
    {
        Root = root;
        Settings = settings;
    }

    /// <summary>Absolute path of the workspace.</summary>
    public string Root { get; }

    /// <summary>Contents of fleet.json.</summary>
    public FleetSettings Settings { get; }

    public string SettingsFile => SettingsPath(Root);
    public string PkiDirectory => Path.Combine(Root, "pki");
    /// <summary>The release public key `release keygen` writes (ReleasePaths.PublicKey); provisioned into NVS rel_pubkey.</summary>
    public string ReleasePublicKeyFile => Path.Combine(Root, "release", "release.pub.pem");
    public string RootCaCertificate => Path.Combine(PkiDirectory, "root-ca.pem");
    public string RootCaKey => Path.Combine(PkiDirectory, "root-ca.key");
    public string IssuingCaCertificate => Path.Combine(PkiDirectory, "issuing-ca.pem");
    public string IssuingCaKey => Path.Combine(PkiDirectory, "issuing-ca.key");
    public string CaBundle => Path.Combine(PkiDirectory, "ca-bundle.pem");
    public string ServerCertificate => Path.Combine(PkiDirectory, "server.pem");
    public string ServerKey => Path.Combine(PkiDirectory, "server.key");
    public string RenewalServiceCertificate => Path.Combine(PkiDirectory, "renewal-service.pem");
    public string RenewalServiceKey => Path.Combine(PkiDirectory, "renewal-service.key");
    /// <summary>The operator's client certificate (CN operator, with the issuing CA) and key: `release rollout` publishes OTA commands with it.</summary>
    public string OperatorCertificate => Path.Combine(PkiDirectory, "operator.pem");
    public string OperatorKey => Path.Combine(PkiDirectory, "operator.key");
    public string CrlDirectory => Path.Combine(PkiDirectory, "crl");
    public string CrlFile => Path.Combine(CrlDirectory, "issuing-ca.crl.pem");

    /// <summary>Erlang ssl_crl_hash_dir layout: &lt;issuer hash&gt;.r0 files.</summary>
    public string CrlHashDirectory => Path.Combine(CrlDirectory, "hash");
    public string RegistryDirectory => Path.Combine(Root, "registry");
    public string RegistryFile => Path.Combine(RegistryDirectory, "devices.json");
    public string DevicesDirectory => Path.Combine(Root, "devices");
    public string BackendRabbitMqDirectory => Path.Combine(Root, "backend", "rabbitmq");

    /// <summary>devices/&lt;id&gt;/ (the id is validated first, so it cannot leave devices/).</summary>
    public string DeviceBundleDirectory(string deviceId)
    {
        DeviceIds.Validate(deviceId);
        return Path.Combine(DevicesDirectory, deviceId);
    }

    /// <summary>The registry of this fleet.</summary>
    public DeviceRegistry Registry => new(RegistryFile);

    /// <summary>fleet.json of the workspace at <paramref name="root"/>.</summary>
    public static string SettingsPath(string root) => Path.Combine(Path.GetFullPath(root), "fleet.json");

    /// <summary>Opens an existing workspace.</summary>
    /// <exception cref="FleetException">No fleet.json (not a fleet, or not initialised).</exception>
    public static FleetDirectory Open(string root)
    {
        string full = Path.GetFullPath(root);
        string settings = SettingsPath(full);
        if (!File.Exists(settings))
            throw new FleetException($"'{full}' is not a fleet workspace (no fleet.json; create one with `nf-build fleet init`)");
        return new FleetDirectory(full, FleetSettings.FromJson(File.ReadAllText(settings), settings));
    }

    internal static FleetDirectory At(string root, FleetSettings settings) => new(Path.GetFullPath(root), settings);
}
