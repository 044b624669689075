using System.Text;
using NfBuild.Backend;
using NfBuild.Tests.Backend;
using Xunit;
using Xunit.Abstractions;
using Embedded = NfBuild.EmbeddedBackend.EmbeddedBackend;
using NfBuild.EmbeddedBackend;

namespace NfBuild.Tests.EmbeddedBackend;

/// <summary>
/// The same scenarios (<see cref="BrokerScenarios.All"/>) against real RabbitMQ 3.10.8 (the Backend collection's two nodes)
/// and against the embedded broker started from the same test fleet; the outcome tables must be equal.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class EmbeddedEquivalenceTests(BackendFixture fx, ITestOutputHelper output)
{
    [RabbitFact]
    public async Task Embedded_broker_and_RabbitMQ_give_the_same_outcome_for_every_scenario()
    {
        var fleet = fx.Fleet;
        _ = fx.Backend; // RabbitMQ is running
        await using var embedded = await Embedded.StartAsync(fleet.FleetDir, new EmbeddedBackendOptions { PrimaryPort = 0, FallbackPort = 0, FirmwareServer = false });
        int RabbitPort(BrokerRole r) => r == BrokerRole.Primary ? fleet.Ports.PrimaryMqtts : fleet.Ports.FallbackMqtts;

        var rabbitTask = RunAllAsync(s => RabbitPort(s.Node), fleet);
        var embeddedTask = RunAllAsync(s => embedded[s.Node].Port, fleet, s =>
        {
            // What the embedded TLS layer logged for this scenario: proof that a "refused before MQTT" was its TLS check.
            var log = embedded[s.Node].TlsRefusals;
            var lines = new List<string>();
            while (log.TryDequeue(out var line))
                lines.Add(line);
            return string.Join("; ", lines);
        });
        var rabbit = await rabbitTask;
        var mine = await embeddedTask;

        var table = new StringBuilder();
        table.AppendLine($"{"scenario",-44} | {"node",-8} | {"RabbitMQ 3.10.8",-36} | {"embedded",-36} |");
        int differences = 0;
        for (int i = 0; i < BrokerScenarios.All.Count; i++)
        {
            var s = BrokerScenarios.All[i];
            bool same = rabbit[i].Result == mine[i].Result;
            if (!same)
                differences++;
            table.AppendLine($"{s.Name,-44} | {s.Node.DirectoryName(),-8} | {rabbit[i].Result,-36} | {mine[i].Result,-36} | {(same ? "" : "DIFFERENT")}");
        }
        output.WriteLine(table.ToString());
        output.WriteLine("TLS details (not compared: RabbitMQ's alerts name the reason, .NET's SslStream server does not):");
        for (int i = 0; i < BrokerScenarios.All.Count; i++)
        {
            if (rabbit[i].Detail.Length > 0 || mine[i].Detail.Length > 0)
                output.WriteLine($"  {BrokerScenarios.All[i].Name}: RabbitMQ '{rabbit[i].Detail}' / embedded '{mine[i].Detail}'");
        }
        output.WriteLine("embedded refusals: " + string.Join(" | ", embedded.Primary.Refusals.Concat(embedded.Fallback.Refusals)));
        Assert.True(differences == 0, $"{differences} scenario(s) differ:\n{table}");
        // Every refusal before MQTT on the embedded side was its own TLS certificate check, with the reason RabbitMQ's alert names.
        for (int i = 0; i < BrokerScenarios.All.Count; i++)
        {
            if (!mine[i].Result.StartsWith("refused before MQTT", StringComparison.Ordinal))
                continue;
            string expected = rabbit[i].Detail switch
            {
                var d when d.Contains("certificate expired") => "certificate expired",
                var d when d.Contains("unknown ca") => "unknown ca",
                var d when d.Contains("certificate revoked") => "certificate revoked",
                _ => "no client certificate",
            };
            Assert.True(mine[i].Detail.Contains(expected, StringComparison.Ordinal), $"{BrokerScenarios.All[i].Name}: RabbitMQ '{rabbit[i].Detail}', embedded '{mine[i].Detail}'");
        }
        Assert.Equal(rabbit.Select(o => o.Result), mine.Select(o => o.Result));
    }

    private static async Task<List<Outcome>> RunAllAsync(Func<Scenario, int> port, TestFleet fleet, Func<Scenario, string>? tlsLog = null)
    {
        var results = new List<Outcome>();
        foreach (var s in BrokerScenarios.All)
        {
            var outcome = await BrokerScenarios.RunAsync(s, port(s), fleet);
            if (tlsLog is not null)
            {
                await Task.Delay(50);
                string server = tlsLog(s);
                if (server.Length > 0)
                    outcome = outcome with { Detail = outcome.Detail + " | server: " + server };
            }
            results.Add(outcome);
        }
        return results;
    }
}
