using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using NfBuild.Fleet;
using NfBuild.Release;

namespace NfBuild.Backend;

/// <summary>What `release rollout` sent: to which device, topic and primary endpoint, the manifest URL and the payload.</summary>
public sealed record RolloutResult(string DeviceId, string Version, string Topic, string Endpoint, string ManifestUrl, byte[] Payload, bool OperatorCreated);

/// <summary>
/// `release rollout`: points ONE device at a published release. Verifies the release against the fleet
/// (<see cref="ReleaseVerifier"/>), requires that exactly these bytes are what `release publish` put on the firmware
/// server, derives the manifest URL from the manifest's own part URLs, then connects to the fleet's primary as the
/// operator (pki/operator.pem, created when missing; TLS 1.2, chain to the pinned root only, name checked) and publishes
/// <see cref="OtaCommand.Build"/> with QoS 1 to devices/&lt;id&gt;/commands, waiting for the PUBACK.
/// Threat: the command only names a URL; the device installs nothing that is not signed with the fleet's release key.
/// The checks here keep an operator from pointing a device at an unpublished (404) or altered release.
/// </summary>
public static class ReleaseRollout
{
    public static async Task<RolloutResult> RunAsync(string fleetDir, string releaseDir, string deviceId, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        var fleet = FleetDirectory.Open(fleetDir);
        RolloutTargets.RequireActive(fleet, deviceId);
        var (verification, manifestUrl) = VerifyPublished(fleet, releaseDir);
        string version = verification.Manifest.Version;
        bool created = FleetOperator.Ensure(fleet);
        byte[] payload = OtaCommand.Build(manifestUrl);
        var (topic, endpoint) = await SendCommandAsync(fleet, deviceId, payload, timeout, cancel).ConfigureAwait(false);
        return new RolloutResult(deviceId, version, topic, endpoint, manifestUrl, payload, created);
    }

    /// <summary>
    /// The release in <paramref name="releaseDir"/> verified against the fleet (<see cref="ReleaseVerifier"/>) and the
    /// manifest URL of its published copy (<see cref="PublishedManifestUrl"/>): what every rollout checks before a command.
    /// </summary>
    public static (ReleaseVerification Verification, string ManifestUrl) VerifyPublished(FleetDirectory fleet, string releaseDir)
    {
        ReleaseVerification verification;
        try
        {
            verification = ReleaseVerifier.Verify(releaseDir, fleet.Root);
        }
        catch (ReleaseException ex)
        {
            throw new BackendException(ex.Message);
        }
        return (verification, PublishedManifestUrl(fleet, verification));
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> on the device's command topic as the operator (QoS 1, first primary endpoint
    /// that acknowledges it), without looking at what it says: what any holder of operator.key can do (README "Fleet
    /// workspace", Operator). <see cref="RunAsync"/> checks the release first; the demo uses this to point a device at a
    /// release the fleet never signed, which the device must refuse by itself. Returns the topic and the endpoint.
    /// </summary>
    public static async Task<(string Topic, string Endpoint)> SendCommandAsync(FleetDirectory fleet, string deviceId, byte[] payload, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        DeviceIds.Validate(deviceId);
        FleetOperator.Ensure(fleet);
        string topic = new DeviceTopics(deviceId).Commands;
        var errors = new List<string>();
        foreach (string endpoint in fleet.Settings.PrimaryEndpoints)
        {
            try
            {
                await PublishAsync(fleet, endpoint, topic, payload, timeout ?? TimeSpan.FromSeconds(15), cancel).ConfigureAwait(false);
                return (topic, endpoint);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                errors.Add($"{endpoint}: {Describe(ex)}");
            }
        }
        if (fleet.Settings.PrimaryEndpoints.Count == 0)
            errors.Add($"fleet.json has no primaryEndpoints");
        throw new BackendException($"the command for '{deviceId}' was not acknowledged by the primary: {string.Join("; ", errors)}");
    }

    /// <summary>
    /// The manifest URL of the published copy of <paramref name="verification"/>'s release: it must be published
    /// (htdocs/releases/&lt;version&gt;/), the published manifest and signature must be these bytes and verify again, and a
    /// part URL must end with releases/&lt;version&gt;/&lt;file&gt; (the layout `release publish` serves); the manifest sits beside it.
    /// </summary>
    public static string PublishedManifestUrl(FleetDirectory fleet, ReleaseVerification verification)
    {
        string version = verification.Manifest.Version;
        string published = ReleasePaths.PublishedRelease(fleet.Root, version);
        if (!Directory.Exists(published))
            throw new BackendException($"release {version} is not published ({published} does not exist): run `nf-build release publish` first");
        string publishedManifest = Path.Combine(published, ReleasePaths.ManifestFile);
        if (!File.Exists(publishedManifest) || !File.ReadAllBytes(publishedManifest).AsSpan().SequenceEqual(verification.ManifestBytes))
            throw new BackendException($"the published release {version} at {published} is not this release (its manifest differs): a published version is never replaced, make a new version");
        try
        {
            ReleaseVerifier.Verify(published, fleet.Root);
        }
        catch (ReleaseException ex)
        {
            throw new BackendException($"the published copy of release {version} does not verify: {ex.Message}");
        }
        string? manifestUrl = null;
        foreach (var (part, file) in new[] { (verification.Manifest.App, ReleasePaths.AppFile), (verification.Manifest.Deploy, ReleasePaths.DeployFile) })
        {
            if (part.Reuse || part.Url is null)
                continue;
            string suffix = "/" + ReleasePaths.UrlPath(version, file);
            if (!part.Url.EndsWith(suffix, StringComparison.Ordinal))
                throw new BackendException($"{part.Name}-url {part.Url} does not end with {suffix}: devices would not download it from the fleet's firmware server");
            string url = part.Url[..^file.Length] + ReleasePaths.ManifestFile;
            if (manifestUrl is not null && manifestUrl != url)
                throw new BackendException($"the parts of release {version} are on different servers ({manifestUrl} vs {url})");
            manifestUrl = url;
        }
        return manifestUrl ?? throw new BackendException($"release {version} reuses both parts: no part URL to derive the manifest URL from");
    }

    private static async Task PublishAsync(FleetDirectory fleet, string endpoint, string topic, byte[] payload, TimeSpan timeout, CancellationToken cancel)
    {
        var (host, port) = ParseEndpoint(endpoint);
        using var pinnedRoot = X509CertificateLoader.LoadCertificateFromFile(fleet.RootCaCertificate);
        using var pem = X509Certificate2.CreateFromPemFile(fleet.OperatorCertificate, fleet.OperatorKey);
        // Linux SslStream hands the key to OpenSSL: an exported/reimported PKCS#12 is what it can use.
        using var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(BrokerRules.OperatorUser)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTimeout(timeout)
            .WithTlsOptions(t => t.UseTls()
                .WithTargetHost(host)
                .WithSslProtocols(SslProtocols.Tls12)
                .WithClientCertificates([certificate])
                .WithCertificateValidationHandler(e => PinnedServerCertificate.Validate(e.Certificate, e.Chain, e.SslPolicyErrors, pinnedRoot)))
            .Build();
        using var client = new MqttClientFactory().CreateMqttClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        var connack = await client.ConnectAsync(options, cts.Token).ConfigureAwait(false);
        if (connack.ResultCode != MqttClientConnectResultCode.Success)
            throw new BackendException($"CONNACK {connack.ResultCode}");
        try
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            // RabbitMQ 3.10 (MQTT 3.1.1) answers a refused publish by closing the connection: no PUBACK arrives.
            var result = await client.PublishAsync(message, cts.Token).ConfigureAwait(false);
            if (!result.IsSuccess)
                throw new BackendException($"PUBACK {result.ReasonCode} {result.ReasonString}");
        }
        finally
        {
            if (client.IsConnected)
            {
                try { await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false); }
                catch (Exception) { }
            }
        }
    }
    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new BackendException($"primary endpoint '{endpoint}' is not host:port");
        return (endpoint[..colon].Trim('[', ']'), port);
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
            if (parts.Count == 0 || parts[^1] != e.Message)
                parts.Add(e.Message);
        return string.Join(": ", parts);
    }

    /// <summary>The payload as text (it is a text record), for the report.</summary>
    public static string PayloadText(byte[] payload) => Encoding.UTF8.GetString(payload);
}
