using System.Diagnostics;
using IotDevice.Core.Connectivity;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// Outages of the primary never move a device to the fallback (issue 7): the connection manager's rule "network
/// errors and broker restarts retry the primary" on the real broker, observed on the device, on both nodes and by
/// the backend's observer.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OutageEndToEndTests(EndToEndFixture fx, ITestOutputHelper output)
{
    [EndToEndFact]
    public async Task Primary_restart_and_dropped_connections_are_survived_on_the_primary_without_ever_using_the_fallback()
    {
        string id = EndToEndFixture.Steady;
        string telemetry = $"devices/{id}/telemetry";
        var observer = await Observer.StartAsync(fx, telemetry);
        using var device = RunningDevice.Provision(fx, id);
        device.Runner.TelemetryInterval = TimeSpan.FromMilliseconds(250);
        // Everything the device does, sampled from outside every few milliseconds: any fallback attempt would show.
        var fallbackSeen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var c = device.Runner.Application?.Connection;
                if (c is not null && (c.Mode == BrokerKind.Fallback || c.State == ConnectionState.OnlineFallback || c.FallbackConnects > 0))
                    fallbackSeen.Enqueue($"{Stopwatch.GetTimestamp()}: mode {c.Mode}, state {c.StateName}, fallback connects {c.FallbackConnects}");
                await Task.Delay(2);
            }
        });
        var fallbackChecks = new List<int>();
        try
        {
            device.Start();
            Assert.True(await device.WaitUntilAsync(d => d.Connection.IsOnPrimary, TimeSpan.FromSeconds(20)), "device did not connect to the primary");
            Assert.Equal(1, device.Connection.PrimaryConnects);
            Assert.True(await observer.WaitForAsync(r => r.Any(m => m.Topic == telemetry), TimeSpan.FromSeconds(10)), "no telemetry before the outage");

            // (a) The primary node stops (clean shutdown: connections closed, listener gone) and comes back.
            var sw = Stopwatch.StartNew();
            var restart = fx.RestartPrimaryAsync(TimeSpan.FromSeconds(1));
            Assert.True(await device.WaitUntilAsync(d => !d.Connection.IsOnline, TimeSpan.FromSeconds(30)), "device did not notice the primary going down");
            fallbackChecks.Add(await EndToEndFixture.ConnectionsOfAsync(fx.Fallback, id)); // while the primary is down
            await restart;
            output.WriteLine($"primary down and up again in {sw.ElapsedMilliseconds} ms");
            fallbackChecks.Add(await EndToEndFixture.ConnectionsOfAsync(fx.Fallback, id));
            Assert.True(await device.WaitUntilAsync(d => d.Connection.IsOnPrimary && d.Connection.PrimaryConnects >= 2, TimeSpan.FromSeconds(30)),
                $"device not back on the primary after its restart: state {device.App.StateName}");
            output.WriteLine($"device back on the restarted primary {sw.ElapsedMilliseconds} ms after the stop began");
            Assert.Equal(1, await EndToEndFixture.ConnectionsOfAsync(fx.Primary, id));

            // (b) The broker drops the device's connection (as a load balancer or a node's connection reset would).
            int connectsBefore = device.Connection.PrimaryConnects;
            Assert.Equal(1, await EndToEndFixture.DropMqttConnectionsAsync(fx.Primary, id));
            Assert.True(await device.WaitUntilAsync(d => d.Connection.IsOnPrimary && d.Connection.PrimaryConnects > connectsBefore, TimeSpan.FromSeconds(30)),
                $"device not back on the primary after the dropped connection: state {device.App.StateName}");
            fallbackChecks.Add(await EndToEndFixture.ConnectionsOfAsync(fx.Fallback, id));

            // Telemetry flows again to the backend: the observer's persistent session survived the restart.
            await observer.ConnectAsync();
            int seen = observer.On(telemetry).Count;
            Assert.True(await observer.WaitForAsync(r => r.Count(m => m.Topic == telemetry) > seen + 2, TimeSpan.FromSeconds(10)), "no telemetry after the outages");

            await sampling.CancelAsync();
            await sampler;
            output.WriteLine($"primary connects {device.Connection.PrimaryConnects}, fallback connects {device.Connection.FallbackConnects}, fallback node connections of {id} at 3 checks: {string.Join(",", fallbackChecks)}, telemetry delivered {device.Connection.TelemetryDelivered}");
            Assert.Empty(fallbackSeen);
            Assert.Equal(0, device.Connection.FallbackConnects);
            Assert.All(fallbackChecks, n => Assert.Equal(0, n));
            Assert.Null(device.FirstLine("moving to the fallback broker"));
            Assert.Null(device.FirstLine("connected to fallback"));
            Assert.NotNull(device.FirstLine("retrying the primary, not the fallback"));
            Assert.True(device.Connection.PrimaryConnects >= 3);
        }
        catch
        {
            device.Dump(output);
            foreach (var line in fallbackSeen.Take(20))
                output.WriteLine("fallback seen: " + line);
            foreach (var line in fx.ServiceLog())
                output.WriteLine("[backend] " + line);
            output.WriteLine("primary: " + fx.Primary.Diagnostics());
            throw;
        }
        finally
        {
            await sampling.CancelAsync();
            await observer.DisposeAsync();
        }
        device.Dump(output);
    }
}
