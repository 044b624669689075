using System.Diagnostics;
using System.Text;
using IotDevice.Core.Identity;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;
using MQTTnet;
using NfBuild.Fleet;
using NfBuild.Tests.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// Certificate renewal end to end (issue 7, "Tests"): a virtual Lolin32 with flash and NVS encryption running the
/// firmware core, the fleet's two RabbitMQ 3.10 nodes, the renewal service with the real renewal authority.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RenewalEndToEndTests(EndToEndFixture fx, ITestOutputHelper output)
{
    private const int Queued = 20;

    [EndToEndFact]
    public async Task Expired_device_is_refused_renews_over_the_fallback_and_is_back_on_the_primary_with_every_queued_message()
    {
        string id = EndToEndFixture.Expired;
        var original = fx.Devices[id];
        int serviceLog = fx.ServiceLogCount;
        using var root = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(fx.Fleet.RootCaCertificate);
        // What the device will meet: the primary refuses the expired certificate inside the TLS handshake.
        using (var expiredCertificate = original.Certificate())
        {
            var alert = MqttTestClient.Describe(await MqttTestClient.ConnectFailureAsync(
                MqttTestClient.Options(fx.Ports.PrimaryMqtts, id + "-probe", root, expiredCertificate, host: EndToEndFixture.Host)));
            output.WriteLine("primary with the expired certificate: " + alert);
            Assert.Contains("certificate expired", alert);
        }
        await using var observer = await Observer.StartAsync(fx, $"devices/{id}/telemetry");
        using var device = RunningDevice.Provision(fx, id);
        try
        {
            Assert.Equal(original.Serial, device.Runner.Identity!.Serial);
            Assert.True(device.Runner.Identity.NotAfter < DateTime.UtcNow, "the bundle's certificate should be expired");
            for (int i = 1; i <= Queued; i++)
                Assert.True(device.App.EnqueueTelemetry(Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}")));
            device.Start();

            // Refused by the primary in the TLS handshake -> fallback (password) -> renewal -> trial -> commit -> primary.
            Assert.True(await device.WaitUntilAsync(d => d.App.RenewalOutcome == "renewed" && d.Connection.IsOnPrimary && d.App.QueuedTelemetry == 0, TimeSpan.FromSeconds(60)),
                $"device did not come back renewed: state {device.App.StateName}, renewal {device.App.Renewal.StateName}/{device.App.RenewalOutcome}, queued {device.App.QueuedTelemetry}");
            var refused = device.FirstLine("rejected the identity (client-certificate-rejected)");
            Assert.NotNull(refused);
            Assert.Contains("certificate expired by the trusted clock", refused!.Text);
            Assert.NotNull(device.FirstLine("moving to the fallback broker"));
            Assert.NotNull(device.FirstLine("connected to fallback"));
            Assert.NotNull(device.FirstLine("renewal: awaiting-standing: standing request"));
            Assert.NotNull(device.FirstLine("renewal: awaiting-certificate: renew request"));
            Assert.NotNull(device.FirstLine("accepted the renewed identity"));
            Assert.True(device.Connection.FallbackConnects >= 1);
            string newSerial = device.App.ActiveSerial;
            Assert.NotEqual(original.Serial, newSerial);

            // The observer got all 20 queued messages, in order.
            string telemetry = $"devices/{id}/telemetry";
            Assert.True(await observer.WaitForAsync(r => r.Count(m => m.Topic == telemetry) >= Queued, TimeSpan.FromSeconds(15)),
                $"observer got {observer.On(telemetry).Count} of {Queued} telemetry messages");
            var payloads = observer.On(telemetry).Select(m => m.Payload).ToList();
            var firstSeen = payloads.Distinct().ToList();
            Assert.Equal(Enumerable.Range(1, Queued).Select(i => $"{{\"seq\":{i}}}"), firstSeen);
            int duplicates = payloads.Count - firstSeen.Count;
            output.WriteLine($"telemetry: {payloads.Count} received, {firstSeen.Count} distinct, {duplicates} duplicate(s): {(duplicates == 0 ? "each exactly once" : "at least once")}, in order");

            // The authority committed on the online status (it reports it once the CRL, the fallback node's password and,
            // last, the registry are updated): the new serial current, the old one on the CRL.
            Assert.True(await WaitAsync(() => fx.ServiceLog(serviceLog).Any(l => l.Contains($"{id}: status -> committed serial {newSerial}")), TimeSpan.FromSeconds(20)),
                "the authority did not report the commit: " + Describe(fx.Fleet.Registry.Get(id)!));
            var record = fx.Fleet.Registry.Get(id)!;
            Assert.Equal(newSerial, record.Serial);
            Assert.Null(record.PendingSerial);
            Assert.Equal([original.Serial, newSerial], record.Serials);
            Assert.True(record.NotAfter > DateTimeOffset.UtcNow.AddDays(300));
            Assert.Contains(original.Serial, Crl.Read(fx.Fleet).RevokedSerials);
            Assert.DoesNotContain(newSerial, Crl.Read(fx.Fleet).RevokedSerials);

            // The retained status on the primary shows the new serial (a fresh subscription gets the retained message).
            await observer.SubscribeAsync($"devices/{id}/status");
            Assert.True(await observer.WaitForAsync(r => r.Any(m => m.Topic == $"devices/{id}/status" && m.Retained), TimeSpan.FromSeconds(10)), "no retained status");
            var status = StatusReport.Parse(Encoding.UTF8.GetBytes(observer.On($"devices/{id}/status").Last(m => m.Retained).Payload));
            Assert.Equal("online", status.State);
            Assert.Equal(newSerial, status.Serial);
            Assert.Equal("renewed", status.Renewal);

            // The broker sees the device on the primary with its certificate (username = CN), not on the fallback.
            output.WriteLine("primary MQTT connections (user, client id): " + string.Join("; ", await EndToEndFixture.MqttConnectionsAsync(fx.Primary)));
            Assert.Equal(1, await EndToEndFixture.ConnectionsOfAsync(fx.Primary, id));
            Assert.Equal(0, await EndToEndFixture.ConnectionsOfAsync(fx.Fallback, id));

            // The fallback password was rotated (on commit): the old one is refused, the new one from the device's NVS works.
            device.Stop();
            var rebooted = device.Runner.Boot(); // power cycle: the identity as the flash holds it
            Assert.Equal(newSerial, rebooted.Serial);
            Assert.Equal(1, rebooted.IdentitySlot);
            string newPassword = device.Runner.Store!.GetString(DeviceStoreKeys.Namespace, IdentityStore.SlotKey(1, DeviceStoreKeys.FallbackPasswordSuffix))!;
            Assert.NotEqual(original.FallbackPassword, newPassword);
            var old = await MqttTestClient.ConnectFailureAsync(MqttTestClient.Options(fx.Ports.FallbackMqtts, id + "-check", root, null, id, original.FallbackPassword, host: EndToEndFixture.Host));
            output.WriteLine("old fallback password: " + MqttTestClient.Describe(old));
            Assert.NotNull(MqttTestClient.ConnackCode(old));
            using (var ok = await MqttTestClient.ConnectAsync(MqttTestClient.Options(fx.Ports.FallbackMqtts, id + "-check", root, null, id, newPassword, host: EndToEndFixture.Host)))
                Assert.True(ok.IsConnected);
        }
        catch
        {
            Dump(device, serviceLog);
            throw;
        }
        Dump(device, serviceLog, verbose: false);
    }

    [EndToEndFact]
    public async Task After_the_commit_the_old_certificate_is_refused_by_the_primary_in_the_handshake()
    {
        // A device inside the renewal window: it renews proactively over the primary, so its old certificate is still
        // date-valid afterwards and only the commit (CRL) can make the primary refuse it.
        string id = EndToEndFixture.Due;
        var original = fx.Devices[id];
        int serviceLog = fx.ServiceLogCount;
        using var root = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(fx.Fleet.RootCaCertificate);
        using var oldCertificate = original.Certificate();
        MqttClientOptions OldIdentity() => MqttTestClient.Options(fx.Ports.PrimaryMqtts, id + "-old", root, oldCertificate, host: EndToEndFixture.Host);

        // Control: before the renewal the primary accepts it.
        using (var before = await MqttTestClient.ConnectAsync(OldIdentity()))
            Assert.True(before.IsConnected);

        using var device = RunningDevice.Provision(fx, id);
        try
        {
            device.Start();
            Assert.True(await device.WaitUntilAsync(d => d.App.RenewalOutcome == "renewed" && d.Connection.IsOnPrimary, TimeSpan.FromSeconds(60)),
                $"device did not renew: state {device.App.StateName}, renewal {device.App.Renewal.StateName}/{device.App.RenewalOutcome}");
            Assert.Equal(0, device.Connection.FallbackConnects);
            string newSerial = device.App.ActiveSerial;
            Assert.True(await WaitAsync(() => fx.ServiceLog(serviceLog).Any(l => l.Contains($"{id}: status -> committed serial {newSerial}")), TimeSpan.FromSeconds(20)),
                "the authority did not report the commit");
            Assert.Equal(newSerial, fx.Fleet.Registry.Get(id)!.Serial);
            Assert.Contains(original.Serial, Crl.Read(fx.Fleet).RevokedSerials);

            var refused = await MqttTestClient.ConnectFailureAsync(OldIdentity());
            string why = MqttTestClient.Describe(refused);
            output.WriteLine("old certificate after the commit: " + why);
            Assert.NotNull(refused);
            Assert.Null(MqttTestClient.ConnackCode(refused)); // not an MQTT-level refusal: the TLS handshake failed
            Assert.Contains("certificate revoked", why);

            // The device itself stays online with the new identity.
            Assert.True(device.Connection.IsOnPrimary);
        }
        catch
        {
            Dump(device, serviceLog);
            throw;
        }
    }

    private static string Describe(DeviceRecord r) => $"serial {r.Serial}, pending {r.PendingSerial ?? "-"}, serials [{string.Join(",", r.Serials)}]";

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition())
                return true;
            await Task.Delay(50);
        }
        return condition();
    }

    private void Dump(RunningDevice device, int serviceLog, bool verbose = true)
    {
        if (!verbose)
        {
            output.WriteLine($"device log: {device.Log.Count} lines; service log: {fx.ServiceLog(serviceLog).Count} lines");
        }
        device.Dump(output);
        foreach (var line in fx.ServiceLog(serviceLog))
            output.WriteLine("[backend] " + line);
        if (verbose)
        {
            output.WriteLine("primary: " + fx.Primary.Diagnostics());
            output.WriteLine("fallback: " + fx.Fallback.Diagnostics());
        }
    }
}
