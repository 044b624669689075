using NfBuild.Renewal;
using IotDevice.Core.Renewal;
using IotDevice.Core.Messaging;
using System.Security.Cryptography;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using NfBuild.Backend;
using NfBuild.Cli;
using NfBuild.Fleet;
using RabbitMQ.Client;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Backend;

/// <summary>User administration, the renewal transport and CRL behaviour on the running nodes.</summary>
[Collection(BackendCollection.Name)]
public sealed class BrokerOperationsTests(BackendFixture fx, ITestOutputHelper output)
{
    private TestFleet Fleet => fx.Fleet;

    private MqttClientOptions Primary(string id, SslProtocols protocol = SslProtocols.Tls12) =>
        MqttTestClient.Options(Fleet.Ports.PrimaryMqtts, id, Fleet.RootCa, Fleet.Devices[id].Certificate(), protocol: protocol);

    private MqttClientOptions Fallback(string id, string password) =>
        MqttTestClient.Options(Fleet.Ports.FallbackMqtts, id, Fleet.RootCa, null, id, password);

    /// <summary>A device's live sessions on the primary and the fallback, and whether the broker has closed them.</summary>
    private sealed class SessionsOnBothNodes : IDisposable
    {
        private readonly IMqttClient _primary, _fallback;
        private readonly TaskCompletionSource _closedPrimary = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closedFallback = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private SessionsOnBothNodes(IMqttClient primary, IMqttClient fallback)
        {
            _primary = primary;
            _fallback = fallback;
            primary.DisconnectedAsync += _ => { _closedPrimary.TrySetResult(); return Task.CompletedTask; };
            fallback.DisconnectedAsync += _ => { _closedFallback.TrySetResult(); return Task.CompletedTask; };
        }

        public static async Task<SessionsOnBothNodes> ConnectAsync(MqttClientOptions primary, MqttClientOptions fallback) =>
            new(await MqttTestClient.ConnectAsync(primary), await MqttTestClient.ConnectAsync(fallback));

        public async Task AssertBothClosedByBrokerAsync()
        {
            Assert.Same(_closedPrimary.Task, await Task.WhenAny(_closedPrimary.Task, Task.Delay(10_000)));
            Assert.Same(_closedFallback.Task, await Task.WhenAny(_closedFallback.Task, Task.Delay(10_000)));
        }

        public void Dispose()
        {
            _primary.Dispose();
            _fallback.Dispose();
        }
    }

    [RabbitFact]
    public async Task Removing_a_device_user_closes_its_live_connection_and_refuses_the_next_login()
    {
        var dev = Fleet.Devices[TestFleet.Removable];
        using var sessions = await SessionsOnBothNodes.ConnectAsync(Primary(dev.Id), Fallback(dev.Id, dev.FallbackPassword));

        await fx.Backend.PrimaryAdmin.RemoveDeviceUserAsync(dev.Id);
        await fx.Backend.FallbackAdmin.RemoveDeviceUserAsync(dev.Id);
        await fx.Backend.FallbackAdmin.RemoveDeviceUserAsync(dev.Id); // idempotent
        await sessions.AssertBothClosedByBrokerAsync();

        var again = await MqttTestClient.ConnectFailureAsync(Primary(dev.Id));
        output.WriteLine("login after removal: " + MqttTestClient.Describe(again));
        Assert.NotNull(MqttTestClient.ConnackCode(again));

        // Re-adding (enrolment) restores certificate login with the same permissions.
        await fx.Backend.PrimaryAdmin.AddDeviceUserAsync(dev.Id, null);
        using var back = await MqttTestClient.ConnectAsync(Primary(dev.Id));
        Assert.True((await MqttTestClient.PublishAsync(back, $"devices/{dev.Id}/telemetry", "x")).IsSuccess);
    }

    [RabbitFact]
    public async Task Setting_a_fallback_password_replaces_the_old_one()
    {
        var dev = Fleet.Devices[TestFleet.Expired];
        string newPassword = "new-" + Guid.NewGuid().ToString("N");
        await fx.Backend.FallbackAdmin.SetPasswordAsync(dev.Id, newPassword);
        using (var ok = await MqttTestClient.ConnectAsync(Fallback(dev.Id, newPassword)))
            Assert.True(ok.IsConnected);
        var old = await MqttTestClient.ConnectFailureAsync(Fallback(dev.Id, dev.FallbackPassword));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, MqttTestClient.ConnackCode(old));
        await fx.Backend.FallbackAdmin.SetPasswordHashAsync(dev.Id, FallbackPasswords.Hash(dev.FallbackPassword));
        using var restored = await MqttTestClient.ConnectAsync(Fallback(dev.Id, dev.FallbackPassword));
        await Assert.ThrowsAsync<BackendException>(() => fx.Backend.PrimaryAdmin.SetPasswordAsync(dev.Id, "x"));
    }

    [RabbitFact]
    public async Task Renewal_service_answers_real_standing_requests_on_both_nodes_for_the_routing_keys_device()
    {
        var logs = new List<string>();
        var authority = new RenewalAuthority(Fleet.FleetDir);
        authority.Decided += d => { lock (logs) logs.Add(d.ToString()); };
        var handler = new AuthorityRenewalHandler(authority);
        await using var primaryHost = new RenewalServiceHost(Fleet.FleetDir, RenewalEndpoint.Of(Fleet.FleetDir, BrokerRole.Primary, "localhost"), handler, l => { lock (logs) logs.Add(l); });
        await using var fallbackHost = new RenewalServiceHost(Fleet.FleetDir, RenewalEndpoint.Of(Fleet.FleetDir, BrokerRole.Fallback, "localhost"), handler, l => { lock (logs) logs.Add(l); });
        await primaryHost.StartAsync();
        await fallbackHost.StartAsync();

        var a = Fleet.Devices[TestFleet.Active1];
        var b = Fleet.Devices[TestFleet.Active2];
        using var onPrimary = await MqttTestClient.ConnectAsync(Primary(a.Id));
        using var onFallback = await MqttTestClient.ConnectAsync(Fallback(b.Id, b.FallbackPassword));
        var fromA = RenewalResponse.Parse(Encoding.UTF8.GetBytes(await RoundTrip(onPrimary, a.Id, StandingRequest(a, a.Id))));
        var fromB = RenewalResponse.Parse(Encoding.UTF8.GetBytes(await RoundTrip(onFallback, b.Id, StandingRequest(b, b.Id))));
        // A request naming another device is answered for the routing key's device, and refused.
        var spoof = RenewalResponse.Parse(Encoding.UTF8.GetBytes(await RoundTrip(onPrimary, a.Id, StandingRequest(a, b.Id))));
        lock (logs)
            foreach (var l in logs) output.WriteLine(l);
        Assert.Equal((a.Id, "ok"), (fromA.DeviceId, fromA.Status));
        Assert.Equal((b.Id, "ok"), (fromB.DeviceId, fromB.Status));
        Assert.Equal((a.Id, "refused", "device-mismatch"), (spoof.DeviceId, spoof.Status, spoof.Reason));
    }

    /// <summary>A standing query as the device's RenewalClient builds it, signed with the device's key.</summary>
    private static string StandingRequest(TestDevice signer, string claimedId)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(signer.KeyPem);
        var request = new RenewalRequest
        {
            Kind = RenewalRequest.KindStanding,
            DeviceId = claimedId,
            Serial = signer.Serial,
            RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Time = UtcTime.Format(DateTime.UtcNow),
        };
        request.Pop = key.SignData(request.PopMessage(""), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Encoding.UTF8.GetString(request.ToBytes());
    }

    /// <summary>Records what the transport hands over; answers every message (the host must still not answer a status).</summary>
    private sealed class RecordingHandler : IRenewalHandler
    {
        public readonly List<(string Vhost, string DeviceId, string Kind, string Payload)> Seen = new();

        public byte[]? Handle(string vhost, string deviceId, string kind, byte[] payload)
        {
            lock (Seen)
                Seen.Add((vhost, deviceId, kind, Encoding.UTF8.GetString(payload)));
            return Encoding.UTF8.GetBytes("iotdevice-renewal-response-v1\nanswer-to=" + kind + "\n");
        }

        public async Task<(string Vhost, string DeviceId, string Kind, string Payload)?> WaitForAsync(string marker, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                lock (Seen)
                    foreach (var s in Seen)
                        if (s.Payload.Contains(marker, StringComparison.Ordinal))
                            return s;
                await Task.Delay(100);
            }
            return null;
        }
    }

    [RabbitFact]
    public async Task Device_status_on_the_primary_reaches_the_renewal_handler_as_status_and_is_not_answered()
    {
        var handler = new RecordingHandler();
        await using var primaryHost = new RenewalServiceHost(Fleet.FleetDir, RenewalEndpoint.Of(Fleet.FleetDir, BrokerRole.Primary, "localhost"), handler, output.WriteLine);
        await using var fallbackHost = new RenewalServiceHost(Fleet.FleetDir, RenewalEndpoint.Of(Fleet.FleetDir, BrokerRole.Fallback, "localhost"), handler, output.WriteLine);
        await primaryHost.StartAsync();
        await fallbackHost.StartAsync();
        Assert.True(primaryHost.ConsumesStatus);
        Assert.False(fallbackHost.ConsumesStatus);

        var a = Fleet.Devices[TestFleet.Active1];
        var b = Fleet.Devices[TestFleet.Active2];
        using var device = await MqttTestClient.ConnectAsync(Primary(a.Id));
        var responses = new List<string>();
        device.ApplicationMessageReceivedAsync += e => { lock (responses) responses.Add(e.ApplicationMessage.ConvertPayloadToString()); return Task.CompletedTask; };
        await device.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"devices/{a.Id}/renew/response", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        string marker = "marker-" + Guid.NewGuid().ToString("N");
        // The payload names another device and looks like a request: kind and id still come from the routing key.
        string status = $"iotdevice-status-v1\nstate=online\nserial={a.Serial}\ndevice=dev-b\nkind=request\n{marker}\n";
        Assert.True((await MqttTestClient.PublishAsync(device, $"devices/{a.Id}/status", status, retain: true)).IsSuccess);

        var seen = await handler.WaitForAsync(marker, TimeSpan.FromSeconds(15));
        Assert.True(seen is not null, "the status did not reach the handler");
        Assert.Equal(("iot", a.Id, RenewalMessageKinds.Status), (seen.Value.Vhost, seen.Value.DeviceId, seen.Value.Kind));

        // The fallback has no status feed: a status published there never reaches the handler.
        using var onFallback = await MqttTestClient.ConnectAsync(Fallback(b.Id, b.FallbackPassword));
        string fallbackMarker = "marker-" + Guid.NewGuid().ToString("N");
        Assert.True((await MqttTestClient.PublishAsync(onFallback, $"devices/{b.Id}/status", "iotdevice-status-v1\n" + fallbackMarker + "\n", retain: true)).IsSuccess);
        Assert.Null(await handler.WaitForAsync(fallbackMarker, TimeSpan.FromSeconds(3)));
        lock (responses)
            Assert.DoesNotContain(responses, r => r.Contains("answer-to=status", StringComparison.Ordinal));
    }

    [RabbitFact]
    public async Task Fleet_revoke_with_broker_disconnects_the_device_and_it_cannot_reconnect()
    {
        var dev = Fleet.Devices[TestFleet.Stolen];
        using var sessions = await SessionsOnBothNodes.ConnectAsync(Primary(dev.Id), Fallback(dev.Id, dev.FallbackPassword));

        var o = new StringWriter();
        var e = new StringWriter();
        int code = NfBuildCli.Run(["fleet", "revoke", Fleet.Root, dev.Id, "--broker"], o, e);
        output.WriteLine(o.ToString() + e);
        Assert.True(code == 0, e.ToString());
        Assert.Contains($"deleted broker user '{dev.Id}' on the primary and the fallback node", o.ToString());
        Assert.DoesNotContain("still to do", o.ToString());

        await sessions.AssertBothClosedByBrokerAsync();
        // The CRL (best_effort, current) refuses the certificate in the TLS 1.2 handshake ...
        var again = await MqttTestClient.ConnectFailureAsync(Primary(dev.Id));
        output.WriteLine("primary after revoke: " + MqttTestClient.Describe(again));
        Assert.Contains("alert certificate revoked", MqttTestClient.Describe(again));
        // ... and the deleted user refuses the fallback password.
        var fb = await MqttTestClient.ConnectFailureAsync(Fallback(dev.Id, dev.FallbackPassword));
        output.WriteLine("fallback after revoke: " + MqttTestClient.Describe(fb));
        Assert.NotNull(MqttTestClient.ConnackCode(fb));
        Assert.DoesNotContain(dev.Id, await fx.Backend.PrimaryAdmin.ListUsersAsync());
        Assert.DoesNotContain(dev.Id, await fx.Backend.FallbackAdmin.ListUsersAsync());
        Assert.Equal(DeviceState.Revoked, Fleet.FleetDir.Registry.Get(dev.Id)!.State);
    }

    private static async Task<string> RoundTrip(IMqttClient client, string id, string request)
    {
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<MqttApplicationMessageReceivedEventArgs, Task> onMessage = e =>
        {
            if (e.ApplicationMessage.Topic == $"devices/{id}/renew/response")
                answer.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        client.ApplicationMessageReceivedAsync += onMessage;
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"devices/{id}/renew/response", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True((await MqttTestClient.PublishAsync(client, $"devices/{id}/renew/request", request)).IsSuccess);
        var done = await Task.WhenAny(answer.Task, Task.Delay(15_000));
        client.ApplicationMessageReceivedAsync -= onMessage;
        Assert.True(done == answer.Task, $"no renewal answer for {id}");
        return await answer.Task;
    }

    [RabbitFact]
    public async Task Renewal_service_user_cannot_read_telemetry_or_commands_or_write_commands()
    {
        await using var conn = await AmqpAsync(Fleet.Ports.PrimaryAmqps, "iot", withCert: true);
        await using var ch = await conn.CreateChannelAsync();
        var ex = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
            await ch.QueueDeclareAsync("spy", durable: false, exclusive: false, autoDelete: true));
        output.WriteLine("declare other queue: " + ex.Message);
        Assert.Contains("ACCESS_REFUSED", ex.Message);
        await using var ch2 = await conn.CreateChannelAsync();
        await ch2.QueueDeclareAsync(RabbitMqConfigWriter.RenewalQueue, durable: true, exclusive: false, autoDelete: false);
        var bind = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
            await ch2.QueueBindAsync(RabbitMqConfigWriter.RenewalQueue, "amq.topic", "devices.*.telemetry"));
        output.WriteLine("bind telemetry: " + bind.Message);
        Assert.Contains("ACCESS_REFUSED", bind.Message);
        await using var ch3 = await conn.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var pub = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await ch3.BasicPublishAsync("amq.topic", "devices.dev-a.commands", Encoding.UTF8.GetBytes("reboot")));
        output.WriteLine("publish command: " + pub.Message);
        Assert.Contains("ACCESS_REFUSED", pub.Message);

        // The status queue (primary) may be declared and bound to status keys, but not to telemetry or commands.
        foreach (var key in new[] { "devices.*.telemetry", "devices.dev-a.telemetry", "devices.*.commands", "devices.#", "#" })
        {
            await using var ch4 = await conn.CreateChannelAsync();
            await ch4.QueueDeclareAsync(RabbitMqConfigWriter.StatusQueue, durable: true, exclusive: false, autoDelete: false);
            var refused = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
                await ch4.QueueBindAsync(RabbitMqConfigWriter.StatusQueue, "amq.topic", key));
            output.WriteLine($"bind status queue to {key}: {refused.Message}");
            Assert.Contains("ACCESS_REFUSED", refused.Message);
        }
        await using var ch5 = await conn.CreateChannelAsync();
        await ch5.QueueBindAsync(RabbitMqConfigWriter.StatusQueue, "amq.topic", RabbitMqConfigWriter.StatusBindingKey);

        // The fallback has no status feed: the service may not even declare the status queue there.
        await using var fallbackConn = await AmqpAsync(Fleet.Ports.FallbackAmqps, "fallback", withCert: true);
        await using var ch6 = await fallbackConn.CreateChannelAsync();
        var noStatus = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
            await ch6.QueueDeclareAsync(RabbitMqConfigWriter.StatusQueue, durable: true, exclusive: false, autoDelete: false));
        output.WriteLine("declare status queue on fallback: " + noStatus.Message);
        Assert.Contains("ACCESS_REFUSED", noStatus.Message);
    }

    [RabbitFact]
    public async Task Fallback_amqp_without_a_client_certificate_cannot_log_in()
    {
        // The fallback node's TLS does not require a certificate (devices), but AMQP offers EXTERNAL only.
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => AmqpAsync(Fleet.Ports.FallbackAmqps, "fallback", withCert: false));
        output.WriteLine("fallback AMQP, no cert: " + MqttTestClient.Describe(ex));
        // A device's fallback password over AMQP PLAIN is not accepted either.
        var plain = await Assert.ThrowsAnyAsync<Exception>(() => AmqpAsync(Fleet.Ports.FallbackAmqps, "fallback", withCert: false,
            user: TestFleet.Active1, password: Fleet.Devices[TestFleet.Active1].FallbackPassword));
        output.WriteLine("fallback AMQP, PLAIN: " + MqttTestClient.Describe(plain));
        Assert.Contains("AuthenticationFailureException: ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL", MqttTestClient.Describe(ex));
        Assert.Contains("No compatible authentication mechanism found - server offered [EXTERNAL]", MqttTestClient.Describe(plain));
    }

    private async Task<IConnection> AmqpAsync(int port, string vhost, bool withCert, string? user = null, string? password = null)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(Fleet.FleetDir.RootCaCertificate);
        var factory = new ConnectionFactory
        {
            HostName = "localhost",
            Port = port,
            VirtualHost = vhost,
            AutomaticRecoveryEnabled = false,
            Ssl = new SslOption
            {
                Enabled = true,
                ServerName = "localhost",
                CertificateValidationCallback = (_, c, chain, e) => PinnedServerCertificate.Validate(c, chain, e, root),
            },
        };
        if (withCert)
        {
            factory.AuthMechanisms = [new ExternalMechanismFactory()];
            factory.Ssl.Certs = new X509CertificateCollection { Fleet.RenewalService.Certificate() };
        }
        else if (user is not null)
        {
            factory.UserName = user;
            factory.Password = password!;
        }
        else
        {
            factory.AuthMechanisms = [new ExternalMechanismFactory()];
        }
        return await factory.CreateConnectionAsync();
    }

    [RabbitFact]
    public async Task Crl_best_effort_outdated_crl_does_not_lock_out_the_fleet_and_der_hash_files_work()
    {
        var a = TestFleet.Active1;
        try
        {
            // nextUpdate in the past (the CRL was not re-signed in time).
            Fleet.OutdateCrl();
            var valid = await MqttTestClient.ConnectFailureAsync(Primary(a));
            var revoked = await MqttTestClient.ConnectFailureAsync(Primary(TestFleet.Revoked));
            output.WriteLine("outdated CRL, valid device: " + (valid is null ? "connected" : MqttTestClient.Describe(valid)));
            output.WriteLine("outdated CRL, revoked device: " + (revoked is null ? "connected" : MqttTestClient.Describe(revoked)));
            Assert.Null(valid);
            // Verified 3.10.8/OTP 25 behaviour, documented in README: best_effort ignores an outdated CRL altogether, so a
            // revoked certificate gets through TLS; the broker-user removal that revocation also does is what stops it then.
            Assert.Null(revoked);

            // The hash-dir file as DER instead of PEM, current again: read at the next handshake, no restart.
            Fleet.RefreshCrl(hashDirAsDer: true);
            Assert.Null(await MqttTestClient.ConnectFailureAsync(Primary(a)));
            var der = await MqttTestClient.ConnectFailureAsync(Primary(TestFleet.Revoked));
            output.WriteLine("DER CRL, revoked device: " + MqttTestClient.Describe(der));
            Assert.Contains("alert certificate revoked", MqttTestClient.Describe(der));
        }
        finally
        {
            Fleet.RefreshCrl();
        }
    }
}
