using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace NfBuild.Tests.Backend;

/// <summary>MQTTnet 5 client as the device uses the broker: MQTT 3.1.1 over TLS, server checked against the pinned root CA
/// (CustomRootTrust) and the host name, optional client certificate, optional username/password.</summary>
public static class MqttTestClient
{
    public static MqttClientOptions Options(int port, string clientId, X509Certificate2 pinnedRoot, X509Certificate2? clientCert = null,
        string? username = null, string? password = null, SslProtocols protocol = SslProtocols.Tls12, string host = "localhost")
    {
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(t =>
            {
                t.UseTls()
                    .WithTargetHost(host)
                    .WithSslProtocols(protocol)
                    .WithCertificateValidationHandler(e => ValidateServer(e.Certificate, e.Chain, e.SslPolicyErrors, pinnedRoot));
                if (clientCert is not null)
                    t.WithClientCertificates([clientCert]);
            });
        if (username is not null)
            b.WithCredentials(username, password);
        return b.Build();
    }

    /// <summary>The device's rule: chain to the pinned root only (system roots ignored), and the name must match.</summary>
    public static bool ValidateServer(X509Certificate? certificate, X509Chain? presented, System.Net.Security.SslPolicyErrors errors, X509Certificate2 pinnedRoot)
    {
        if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pinnedRoot);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public static async Task<IMqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var result = await client.ConnectAsync(options, cts.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new ConnackRefusedException(result.ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects expecting failure; returns the exception (null if it connected).</summary>
    public static async Task<Exception?> ConnectFailureAsync(MqttClientOptions options)
    {
        try
        {
            using var client = await ConnectAsync(options);
            // TLS 1.3: the client finishes its handshake before the server checks the certificate; give the alert time.
            await Task.Delay(500);
            if (client.IsConnected)
            {
                await client.PingAsync();
                return null;
            }
            return new InvalidOperationException("disconnected after CONNACK");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The CONNACK refusal code if the failure was an MQTT-level refusal (not TLS), else null.</summary>
    public static MqttClientConnectResultCode? ConnackCode(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is ConnackRefusedException c)
                return c.Code;
            if (e is MQTTnet.Adapter.MqttConnectingFailedException)
            {
                foreach (var name in Enum.GetNames<MqttClientConnectResultCode>())
                    if (e.Message.Contains(name, StringComparison.Ordinal))
                        return Enum.Parse<MqttClientConnectResultCode>(name);
            }
        }
        return null;
    }

    public static string Describe(Exception? ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
            parts.Add($"{e.GetType().FullName}: {e.Message}");
        return string.Join(" --> ", parts);
    }

    public static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload, bool retain = false) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build());
}

public sealed class ConnackRefusedException(MqttClientConnectResultCode code) : Exception("CONNACK " + code)
{
    public MqttClientConnectResultCode Code { get; } = code;
}
