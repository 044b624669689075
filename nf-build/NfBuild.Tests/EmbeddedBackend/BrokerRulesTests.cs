using NfBuild.Backend;
using Xunit;

namespace NfBuild.Tests.EmbeddedBackend;

/// <summary>The one rule set: the regexes it generates are byte-for-byte the RabbitMQ definitions' (as written before the
/// rules were extracted), and the routing-key form both brokers decide on.</summary>
public sealed class EmbeddedBrokerRulesTests
{
    [Fact]
    public void Generated_permissions_are_the_definitions_literal_regexes()
    {
        Assert.Equal(("^devices\\.{username}\\.(telemetry|status|renew\\.request)$", "^devices\\.{username}\\.(commands|renew\\.response)$"),
            RabbitMqConfigWriter.DeviceTopicPermissions(BrokerRole.Primary));
        Assert.Equal(("^devices\\.{username}\\.(status|renew\\.request)$", "^devices\\.{username}\\.renew\\.response$"),
            RabbitMqConfigWriter.DeviceTopicPermissions(BrokerRole.Fallback));
        Assert.Equal(("^mqtt-subscription-dev-aqos[01]$", "^(amq\\.topic|mqtt-subscription-dev-aqos[01])$", "^(amq\\.topic|mqtt-subscription-dev-aqos[01])$"),
            RabbitMqConfigWriter.DevicePermissions("dev-a"));
        Assert.Equal(("^(renewal-requests|renewal-status)$", "^(amq\\.topic|(renewal-requests|renewal-status))$", "^(amq\\.topic|(renewal-requests|renewal-status))$"),
            RabbitMqConfigWriter.RenewalServicePermissions(BrokerRole.Primary));
        Assert.Equal(("^renewal-requests$", "^(amq\\.topic|renewal-requests)$", "^(amq\\.topic|renewal-requests)$"),
            RabbitMqConfigWriter.RenewalServicePermissions(BrokerRole.Fallback));
        Assert.Equal(("^devices\\.[a-z0-9-]{1,32}\\.renew\\.response$", "^devices\\.(\\*|[a-z0-9-]{1,32})\\.(renew\\.request|status)$"),
            RabbitMqConfigWriter.RenewalServiceTopicPermissions(BrokerRole.Primary));
        Assert.Equal(("^devices\\.[a-z0-9-]{1,32}\\.renew\\.response$", "^devices\\.(\\*|[a-z0-9-]{1,32})\\.renew\\.request$"),
            RabbitMqConfigWriter.RenewalServiceTopicPermissions(BrokerRole.Fallback));
    }

    [Theory]
    [InlineData("devices/dev-a/telemetry", "devices.dev-a.telemetry", "devices/dev-a/telemetry")]
    [InlineData("devices/+/telemetry", "devices.*.telemetry", "devices/+/telemetry")]
    [InlineData("devices/#", "devices.#", "devices/#")]
    [InlineData("devices/dev-a.x/telemetry", "devices.dev-a.x.telemetry", "devices/dev-a/x/telemetry")]
    [InlineData("devices.dev-a.telemetry", "devices.dev-a.telemetry", "devices/dev-a/telemetry")]
    public void Mqtt_topics_become_RabbitMQ_routing_keys(string topic, string routingKey, string delivered)
    {
        Assert.Equal(routingKey, BrokerRules.RoutingKey(topic));
        Assert.Equal(delivered, BrokerRules.MqttTopic(BrokerRules.RoutingKey(topic)));
    }

    [Theory]
    [InlineData("primary", "dev-a", "devices.dev-a.telemetry", true, false)]
    [InlineData("primary", "dev-a", "devices.dev-a.commands", false, true)]
    [InlineData("primary", "dev-a", "devices.dev-b.telemetry", false, false)]
    [InlineData("primary", "dev-a", "devices.*.telemetry", false, false)]
    [InlineData("primary", "dev-a", "devices.dev-a.x.telemetry", false, false)]
    [InlineData("primary", "dev-a", "devices.dev-a.telemetry.x", false, false)]
    [InlineData("fallback", "dev-a", "devices.dev-a.telemetry", false, false)]
    [InlineData("fallback", "dev-a", "devices.dev-a.renew.request", true, false)]
    [InlineData("fallback", "dev-a", "devices.dev-a.renew.response", false, true)]
    public void Device_rules_match_only_the_own_keys(string node, string user, string routingKey, bool write, bool read)
    {
        var rights = BrokerRules.Device(node == "primary" ? BrokerRole.Primary : BrokerRole.Fallback, user);
        Assert.Equal(write, rights.Write.Matches(user, routingKey));
        Assert.Equal(read, rights.Read.Matches(user, routingKey));
    }

    [Fact]
    public void Renewal_service_reads_requests_and_primary_status_and_writes_responses_only()
    {
        var primary = BrokerRules.RenewalService(BrokerRole.Primary);
        var fallback = BrokerRules.RenewalService(BrokerRole.Fallback);
        Assert.True(primary.Read.Matches("renewal-service", BrokerRules.RequestBindingKey));
        Assert.True(primary.Read.Matches("renewal-service", BrokerRules.StatusBindingKey));
        Assert.False(fallback.Read.Matches("renewal-service", "devices.dev-a.status"));
        Assert.False(primary.Read.Matches("renewal-service", "devices.dev-a.telemetry"));
        Assert.True(primary.Write.Matches("renewal-service", "devices.dev-a.renew.response"));
        Assert.False(primary.Write.Matches("renewal-service", "devices.dev-a.commands"));
        Assert.False(primary.Write.Matches("renewal-service", "devices.*.renew.response"));
        Assert.True(primary.MayUseQueue("renewal-status"));
        Assert.False(fallback.MayUseQueue("renewal-status"));
    }

    [Fact]
    public void Operator_writes_any_devices_commands_and_reads_any_devices_status_on_the_primary_only()
    {
        var op = BrokerRules.Operator(BrokerRole.Primary)!;
        Assert.Null(BrokerRules.Operator(BrokerRole.Fallback));
        Assert.True(op.Write.Matches("operator", "devices.dev-a.commands"));
        Assert.True(op.Write.Matches("operator", "devices.dev-b.commands"));
        Assert.False(op.Write.Matches("operator", "devices.dev-a.telemetry"));
        Assert.False(op.Write.Matches("operator", "devices.dev-a.renew.response"));
        Assert.False(op.Write.Matches("operator", "devices.dev-a.status"));
        Assert.False(op.Write.Matches("operator", "devices.*.commands"));
        Assert.True(op.Read.Matches("operator", "devices.dev-a.status"));
        Assert.True(op.Read.Matches("operator", "devices.dev-b.status"));
        foreach (var key in new[] { "devices.dev-a.telemetry", "devices.*.status", "devices.dev-a.commands", "devices.dev-a.renew.request", "devices.*.commands", "#" })
            Assert.False(op.Read.Matches("operator", key));
        Assert.Equal("^devices\\.[a-z0-9-]{1,32}\\.status$", op.Read.Regex);
        Assert.Equal(("^mqtt-subscription-operatorqos[01]$", "^(amq\\.topic|mqtt-subscription-operatorqos[01])$", "^(amq\\.topic|mqtt-subscription-operatorqos[01])$"), op.ResourcePermissions);
        Assert.True(op.MayUseQueue("mqtt-subscription-operatorqos1"));
        Assert.False(op.MayUseQueue("mqtt-subscription-dev-aqos1"));
        var primaryUsers = BrokerRules.Users(BrokerRole.Primary, []);
        Assert.Contains(primaryUsers, u => u.Name == "operator" && u.PasswordHash == "");
        Assert.DoesNotContain(BrokerRules.Users(BrokerRole.Fallback, []), u => u.Name == "operator");
    }
}
