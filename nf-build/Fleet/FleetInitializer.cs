using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace NfBuild.Fleet;

/// <summary>
/// <c>fleet init</c>: a new workspace with root CA, issuing CA, broker server certificate,
/// renewal-service and operator client certificates, empty CRL, empty registry and fleet.json. Everything is built in
/// a staging folder beside the target and moved into place at the end, so a failure leaves no half fleet.
/// </summary>
public static partial class FleetInitializer
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostPattern();

    /// <summary>Creates the workspace at <paramref name="root"/>; refuses when a fleet (or part of one) is there.</summary>
    public static FleetDirectory Create(string root, FleetInitOptions options)
    {
        string full = Path.GetFullPath(root);
        Validate(options);
        if (File.Exists(full))
            throw new FleetException($"'{full}' is a file, not a folder");
        foreach (string part in new[] { "fleet.json", "pki", "registry", "devices" })
            if (Path.Exists(Path.Combine(full, part)))
                throw new FleetException($"'{full}' already holds a fleet ({part} exists); refusing to overwrite it");
        string parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
            throw new FleetException($"folder {parent} does not exist");

        string staging = Path.Combine(parent, "." + Path.GetFileName(full) + ".init-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            SecureFiles.CreateDirectory(staging, SecureFiles.SecretDirectory);
            var settings = FleetSettings.CreateDefault(options.Name, options.BrokerHosts);
            var fleet = FleetDirectory.At(staging, settings);
            WriteContents(fleet, options);
            if (!Directory.Exists(full))
            {
                Directory.Move(staging, full);
            }
            else
            {
                // The target exists (empty or with unrelated files): move our entries in; fleet.json last,
                // it is what makes the folder a fleet.
                foreach (string entry in Directory.EnumerateFileSystemEntries(staging).Where(e => Path.GetFileName(e) != "fleet.json"))
                    Directory.Move(entry, Path.Combine(full, Path.GetFileName(entry)));
                File.Move(Path.Combine(staging, "fleet.json"), Path.Combine(full, "fleet.json"));
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(full, SecureFiles.SecretDirectory);
            }
            return FleetDirectory.Open(full);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static void Validate(FleetInitOptions options)
    {
        if (!NamePattern().IsMatch(options.Name))
            throw new FleetException($"fleet name '{options.Name}' must be 1..63 characters of A-Z a-z 0-9 space . _ - starting with a letter or digit");
        if (options.BrokerHosts.Count == 0)
            throw new FleetException("at least one broker host is needed");
        foreach (string host in options.BrokerHosts)
            if (!IPAddress.TryParse(host, out _) && !HostPattern().IsMatch(host))
                throw new FleetException($"broker host '{host}' is neither a DNS name nor an IP address");
        if (options.CaDays < 2 || options.CaDays > 36500)
            throw new FleetException($"--ca-days {options.CaDays} must be 2..36500");
    }

    private static void WriteContents(FleetDirectory fleet, FleetInitOptions options)
    {
        DateTimeOffset now = FleetPki.Now();
        // CAs start an hour back so that certificates issued "now - clock skew" still nest in their validity.
        DateTimeOffset caNotBefore = now - TimeSpan.FromHours(1);
        DateTimeOffset caNotAfter = now + TimeSpan.FromDays(options.CaDays);
        DateTimeOffset serviceNotAfter = now + TimeSpan.FromDays(Math.Min(options.ServiceCertDays, options.CaDays - 1));
        string name = options.Name;

        SecureFiles.CreateDirectory(fleet.PkiDirectory, SecureFiles.SecretDirectory);
        SecureFiles.CreateDirectory(fleet.CrlDirectory, SecureFiles.PublicDirectory);
        SecureFiles.CreateDirectory(fleet.RegistryDirectory, SecureFiles.SecretDirectory);
        SecureFiles.CreateDirectory(fleet.DevicesDirectory, SecureFiles.SecretDirectory);

        // Root: signs only the issuing CA (pathlen 1). Its key is needed again only to replace the issuing
        // CA. Threat: whoever holds it can mint a CA every device trusts - keep it offline.
        using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest(FleetPki.SubjectFor($"{name} Root CA", name), rootKey, HashAlgorithmName.SHA256);
        AddCaExtensions(rootRequest, pathLength: 1);
        using X509Certificate2 root = rootRequest.CreateSelfSigned(caNotBefore, caNotAfter);

        // Issuing CA: signs device, broker and service certificates and the CRL (pathlen 0: no sub-CAs).
        // Threat: its key mints device identities; it must live where the renewal service runs, nowhere else.
        using ECDsa issuingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuingRequest = new CertificateRequest(FleetPki.SubjectFor($"{name} Issuing CA", name), issuingKey, HashAlgorithmName.SHA256);
        AddCaExtensions(issuingRequest, pathLength: 0);
        issuingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using X509Certificate2 issuingPublic = issuingRequest.Create(root, caNotBefore, caNotAfter, CertificateSerials.NewSerial());
        using X509Certificate2 issuing = issuingPublic.CopyWithPrivateKey(issuingKey);

        SecureFiles.WritePublic(fleet.RootCaCertificate, root.ExportCertificatePem() + "\n");
        SecureFiles.WriteSecret(fleet.RootCaKey, rootKey.ExportPkcs8PrivateKeyPem() + "\n");
        SecureFiles.WritePublic(fleet.IssuingCaCertificate, issuing.ExportCertificatePem() + "\n");
        SecureFiles.WriteSecret(fleet.IssuingCaKey, issuingKey.ExportPkcs8PrivateKeyPem() + "\n");
        SecureFiles.WritePublic(fleet.CaBundle, issuing.ExportCertificatePem() + "\n" + root.ExportCertificatePem() + "\n");

        // Broker server certificate: the SANs are what devices verify the broker's name against.
        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest(FleetPki.SubjectFor(options.BrokerHosts[0], name), serverKey, HashAlgorithmName.SHA256);
        FleetPki.AddEndEntityExtensions(serverRequest, issuing, X509KeyUsageFlags.DigitalSignature, Oids.ServerAuth);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string host in options.BrokerHosts)
        {
            if (IPAddress.TryParse(host, out IPAddress? ip))
                san.AddIpAddress(ip);
            else
                san.AddDnsName(host);
        }
        serverRequest.CertificateExtensions.Add(san.Build());
        using X509Certificate2 server = serverRequest.Create(issuing, now - FleetPki.ClockSkew, serviceNotAfter, CertificateSerials.NewSerial());
        SecureFiles.WritePublic(fleet.ServerCertificate, server.ExportCertificatePem() + "\n" + issuing.ExportCertificatePem() + "\n");
        SecureFiles.WriteSecret(fleet.ServerKey, serverKey.ExportPkcs8PrivateKeyPem() + "\n");

        // Renewal service: logs in to both brokers by certificate (CN = user name renewal-service).
        using ECDsa serviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serviceRequest = new CertificateRequest(FleetPki.SubjectFor("renewal-service", name), serviceKey, HashAlgorithmName.SHA256);
        FleetPki.AddEndEntityExtensions(serviceRequest, issuing, X509KeyUsageFlags.DigitalSignature, Oids.ClientAuth);
        using X509Certificate2 service = serviceRequest.Create(issuing, now - FleetPki.ClockSkew, serviceNotAfter, CertificateSerials.NewSerial());
        SecureFiles.WritePublic(fleet.RenewalServiceCertificate, service.ExportCertificatePem() + "\n" + issuing.ExportCertificatePem() + "\n");
        SecureFiles.WriteSecret(fleet.RenewalServiceKey, serviceKey.ExportPkcs8PrivateKeyPem() + "\n");

        // Operator: publishes OTA commands on the primary (CN = user name operator).
        FleetOperator.Write(fleet, issuing, serviceNotAfter);

        Crl.CreateEmpty(fleet, issuing, now);
        DeviceRegistry.CreateEmpty(fleet.RegistryFile);
        SecureFiles.WritePublic(fleet.SettingsFile, fleet.Settings.ToJson());
    }

    private static void AddCaExtensions(CertificateRequest request, int pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }
}
