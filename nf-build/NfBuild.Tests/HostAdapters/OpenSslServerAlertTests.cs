using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Platform;
using IotDevice.Host.Adapters;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.HostAdapters;

/// <summary>
/// What the device sees when a server checks the client certificate INSIDE the TLS 1.2 handshake and answers
/// with an alert, as RabbitMQ (Erlang ssl, verify_peer + fail_if_no_peer_cert) and OpenSSL-based brokers do:
/// a real <c>openssl s_server -Verify 1 -verify_return_error</c> on loopback. Prints the exception text .NET on
/// Linux exposes for each case and asserts the mapping to ClientCertificateRejected.
/// </summary>
[Collection(MqttSessionCollection.Name)]
public sealed class OpenSslServerAlertTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "dev-0001";
    private readonly TestPki _pki = TestPki.Create();
    private readonly TestPki _other = TestPki.Create("Attacker");
    private readonly string _dir = Directory.CreateTempSubdirectory("openssl-alert").FullName;

    public void Dispose()
    {
        _pki.Dispose();
        _other.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Cases => ["expired", "other-ca", "none", "accepted"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void HandshakeAlert_FromAnOpenSslServer_IsClassified(string which)
    {
        if (!File.Exists("/usr/bin/openssl"))
        {
            output.WriteLine("openssl not installed: skipped");
            return;
        }
        using X509Certificate2 server = _pki.IssueServer();
        File.WriteAllText(Path.Combine(_dir, "server.pem"), server.ExportCertificatePem() + "\n" + _pki.Issuing.ExportCertificatePem() + "\n");
        File.WriteAllBytes(Path.Combine(_dir, "server.key"), TestPki.KeyPem(server));
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), _pki.RootPem + _pki.Issuing.ExportCertificatePem() + "\n");
        int port = TlsTestBroker.ClosedPort();

        using var process = Process.Start(new ProcessStartInfo("/usr/bin/openssl",
            ["s_server", "-accept", $"127.0.0.1:{port}", "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem",
             "-Verify", "2", "-verify_return_error", "-tls1_2", "-quiet"])
        {
            WorkingDirectory = _dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            WaitForListener(port);
            using var expired = _pki.IssueDevice(DeviceId, DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-35));
            using var foreign = _other.IssueDevice(DeviceId);
            using var good = _pki.IssueDevice(DeviceId);
            MqttCredentials credentials = which switch
            {
                "expired" => MqttCredentials.FromCertificate(DeviceId, _pki.ChainPem(expired), TestPki.KeyPem(expired)),
                "other-ca" => MqttCredentials.FromCertificate(DeviceId, _other.ChainPem(foreign), TestPki.KeyPem(foreign)),
                "accepted" => MqttCredentials.FromCertificate(DeviceId, _pki.ChainPem(good), TestPki.KeyPem(good)),
                _ => MqttCredentials.FromPassword(DeviceId, DeviceId, "pw"),
            };
            using var session = new MqttNetSession { ConnectTimeout = TimeSpan.FromSeconds(3) };

            MqttConnectResult result = session.Connect(new MqttEndpoint("localhost", port, _pki.RootPemBytes), credentials, null!);

            output.WriteLine($"{which}: {result}: {session.LastError}");
            if (which == "accepted")
            {
                // TLS accepted, but s_server is no MQTT broker: the CONNECT is never answered.
                Assert.Equal(MqttConnectResult.NetworkError, result);
            }
            else
            {
                Assert.Equal(MqttConnectResult.ClientCertificateRejected, result);
                Assert.Contains(" alert ", session.LastError); // the verdict came as a TLS alert, inside the handshake
            }
            Assert.Equal(0, session.TlsSessions.Open);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
            output.WriteLine("s_server: " + process.StandardError.ReadToEnd().Trim());
        }
    }

    private static void WaitForListener(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", port);
                // s_server logs this plain-TCP probe as a failed handshake and keeps listening.
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }
        }
    }
}
