using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Messaging;
using IotDevice.Core.Renewal;
using MQTTnet;
using MQTTnet.Protocol;
using NfBuild.Backend;
using NfBuild.Fleet;
using NfBuild.Renewal;
using NfBuild.Tests.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// The renewal service as competing consumers: two more <see cref="RenewalServiceHost"/> instances, each with its own
/// <see cref="RenewalAuthority"/> (as two processes would have) on the same fleet directory, consume the primary's one
/// durable renewal-requests queue next to the fixture's own service. A device sends requests over MQTT; one instance is
/// slow and is shut down while it holds unacked requests: every request is still answered (the broker redelivers what
/// was not acked), and both instances took a share. Then a renew request answered by one instance is sent again over the
/// broker: the instance that takes it refuses it "replayed" from the shared registry (its own in-memory guard never saw it).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RenewalScalingTests(EndToEndFixture fx, ITestOutputHelper output)
{
    private const int Requests = 24;

    private sealed class CountingHandler(IRenewalHandler inner, TimeSpan delay) : IRenewalHandler
    {
        public int Requests;

        public byte[]? Handle(string vhost, string deviceId, string kind, byte[] payload)
        {
            if (kind == RenewalMessageKinds.Request)
                Interlocked.Increment(ref Requests);
            Thread.Sleep(delay);
            return inner.Handle(vhost, deviceId, kind, payload);
        }
    }

    [EndToEndFact]
    public async Task Two_instances_share_the_request_queue_and_one_stopping_loses_nothing()
    {
        string id = EndToEndFixture.RenewalLoad;
        var device = fx.Devices[id];
        using var root = X509CertificateLoader.LoadCertificateFromFile(fx.Fleet.RootCaCertificate);
        using var cert = device.Certificate();
        using var key = ECDsa.Create();
        key.ImportFromPem(device.KeyPem);

        // Each instance its own authority (own replay guard and rate limiter), as separate processes.
        var slowAuthority = new RenewalAuthority(fx.Fleet, new RenewalAuthorityOptions { StandingRequestsPerWindow = 1000 });
        var slow = new CountingHandler(new AuthorityRenewalHandler(slowAuthority), TimeSpan.FromMilliseconds(400));
        var quick = new CountingHandler(new AuthorityRenewalHandler(new RenewalAuthority(fx.Fleet, new RenewalAuthorityOptions { StandingRequestsPerWindow = 1000 })), TimeSpan.Zero);
        var a = new RenewalServiceHost(fx.Fleet, RenewalEndpoint.Of(fx.Fleet, BrokerRole.Primary, EndToEndFixture.Host), slow, l => fx.Log("instance-a: " + l));
        await using var b = new RenewalServiceHost(fx.Fleet, RenewalEndpoint.Of(fx.Fleet, BrokerRole.Primary, EndToEndFixture.Host), quick, l => fx.Log("instance-b: " + l));
        await a.StartAsync();
        await b.StartAsync();

        var answered = new ConcurrentDictionary<string, string>();
        using var client = await MqttTestClient.ConnectAsync(MqttTestClient.Options(fx.Ports.PrimaryMqtts, id, root, cert, host: EndToEndFixture.Host));
        client.ApplicationMessageReceivedAsync += e =>
        {
            var response = RenewalResponse.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            answered[response.RequestId] = response.Status + "/" + response.Reason;
            return Task.CompletedTask;
        };
        await client.SubscribeAsync($"devices/{id}/renew/response", MqttQualityOfServiceLevel.AtLeastOnce);

        var ids = new List<string>();
        for (int i = 0; i < Requests; i++)
        {
            var request = new RenewalRequest
            {
                Kind = RenewalRequest.KindStanding,
                DeviceId = id,
                Serial = device.Serial,
                RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                Time = UtcTime.Format(DateTime.UtcNow),
            };
            request.Pop = key.SignData(request.PopMessage(""), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            ids.Add(request.RequestId);
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{id}/renew/request")
                .WithPayload(request.ToBytes()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        // Instance a stops while it still holds requests (slow handler, prefetch): they go back to the queue.
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (slow.Requests < 2 && wait.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20);
        await a.DisposeAsync();
        output.WriteLine($"instance a stopped after {slow.Requests} requests, {answered.Count} answers so far");

        while (ids.Any(r => !answered.ContainsKey(r)) && wait.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(50);
        output.WriteLine($"answers: {answered.Count}/{Requests}; instance a handled {slow.Requests}, instance b {quick.Requests}, the fixture's service the rest");
        foreach (var r in ids)
            Assert.True(answered.ContainsKey(r), $"request {r} was not answered");
        Assert.True(slow.Requests >= 1 && quick.Requests >= 1, "both instances took requests");
        // The fixture's own service has the default rate limit (10 standing requests an hour): its share past that is refused, still answered.
        Assert.All(answered.Values, v => Assert.Contains(v, new[] { "ok/none", "refused/rate-limited" }));

        // A renew request answered by instance a (as if a had published its answer and died before the ack), then the same
        // payload again over the broker (a replay, or the broker's redelivery): whichever instance takes it, b or the
        // fixture's service, has its own in-memory guards, and still refuses it from the registry; the pending stays.
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = new CertificateRequest("CN=" + id, newKey, HashAlgorithmName.SHA256).CreateSigningRequest();
        var renew = new RenewalRequest
        {
            Kind = RenewalRequest.KindRenew,
            DeviceId = id,
            Serial = device.Serial,
            RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Time = UtcTime.Format(DateTime.UtcNow),
            Csr = csr,
        };
        renew.Pop = key.SignData(renew.PopMessage(Convert.ToHexStringLower(SHA256.HashData(csr))), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var first = RenewalResponse.Parse(slowAuthority.HandleRequest(id, renew.ToBytes())!);
        Assert.Equal("issued", first.Status);
        string pending = fx.Fleet.Registry.Get(id)!.PendingSerial!;
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{id}/renew/request")
            .WithPayload(renew.ToBytes()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var replayWait = System.Diagnostics.Stopwatch.StartNew();
        while (!answered.ContainsKey(renew.RequestId) && replayWait.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50);
        output.WriteLine($"replayed renew request: {(answered.TryGetValue(renew.RequestId, out var word) ? word : "no answer")}");
        Assert.Equal("refused/replayed", answered[renew.RequestId]);
        var record = fx.Fleet.Registry.Get(id)!;
        Assert.Equal(pending, record.PendingSerial);
        Assert.Equal(device.Serial, record.Serial);
    }
}
