using NfBuild.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Backend;

[Collection(BackendCollection.Name)]
public sealed class BackendSmokeTests(BackendFixture fx, ITestOutputHelper output)
{
    [RabbitFact]
    public async Task Nodes_have_only_the_definitions_users_no_guest()
    {
        var primary = await fx.Backend.PrimaryAdmin.ListUsersAsync();
        var fallback = await fx.Backend.FallbackAdmin.ListUsersAsync();
        output.WriteLine("primary: " + string.Join(",", primary));
        output.WriteLine("fallback: " + string.Join(",", fallback));
        Assert.DoesNotContain("guest", primary);
        Assert.DoesNotContain("guest", fallback);
        Assert.Contains("renewal-service", primary);
        Assert.Contains(TestFleet.Active1, fallback);
        Assert.DoesNotContain(TestFleet.RevokedInRegistry, primary);
        var vhosts = await fx.Backend.Primary.CtlOrThrowAsync("list_vhosts", "--quiet", "--no-table-headers");
        output.WriteLine("vhosts: " + vhosts);
        // rabbitmqctl gets the node's enabled plugins, so the MQTT plugin's commands work against the node.
        var mqtt = await fx.Backend.Primary.CtlOrThrowAsync("list_mqtt_connections", "user", "client_id");
        output.WriteLine("mqtt connections: " + mqtt);
        var env = await fx.Backend.Primary.CtlOrThrowAsync("eval", "application:get_env(rabbit, ssl_options).");
        output.WriteLine("ssl_options: " + env);
    }
}
