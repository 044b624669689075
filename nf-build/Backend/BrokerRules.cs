using System.Text.RegularExpressions;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>Whose device id a topic rule names: the login's own ({username}), any device id, or any device id or the
/// AMQP wildcard <c>*</c> (what a binding key such as devices.*.renew.request needs).</summary>
public enum TopicScope
{
    Own,
    AnyDevice,
    AnyDeviceOrWildcard,
    /// <summary>No routing key at all (RabbitMQ <c>^$</c>: an MQTT topic is never empty).</summary>
    None,
}

/// <summary>
/// One topic rule on the dotted routing key (MQTT <c>/</c> = <c>.</c>): <c>devices.&lt;id&gt;.&lt;suffix&gt;</c> for one of
/// <see cref="Suffixes"/> (routing-key form, e.g. <c>renew.request</c>). <see cref="Regex"/> is the RabbitMQ topic
/// permission text; <see cref="Matches"/> is what both brokers decide with it.
/// </summary>
public sealed record TopicRule(TopicScope Scope, IReadOnlyList<string> Suffixes)
{
    /// <summary>RabbitMQ 3.10 expands this variable in topic permissions only (a plain text replacement).</summary>
    public const string UsernameVariable = "{username}";

    /// <summary>DeviceIds' alphabet and length, as a regex (the renewal service's "any device").</summary>
    public const string AnyDeviceRegex = "[a-z0-9-]{1,32}";

    /// <summary>Matches no routing key (what the operator may read).</summary>
    public static TopicRule Nothing { get; } = new(TopicScope.None, []);

    public string Regex
    {
        get
        {
            if (Scope == TopicScope.None)
                return "^$";
            string id = Scope switch
            {
                TopicScope.Own => UsernameVariable,
                TopicScope.AnyDevice => AnyDeviceRegex,
                _ => $"(\\*|{AnyDeviceRegex})",
            };
            var escaped = Suffixes.Select(s => s.Replace(".", "\\.")).ToList();
            string suffix = escaped.Count == 1 ? escaped[0] : "(" + string.Join("|", escaped) + ")";
            return $"^devices\\.{id}\\.{suffix}$";
        }
    }

    /// <summary>RabbitMQ's check: expand {username} (plain replacement, as rabbit_auth_backend_internal does), then an
    /// unanchored regex match of the routing key (the rule itself is anchored).</summary>
    public bool Matches(string username, string routingKey) =>
        System.Text.RegularExpressions.Regex.IsMatch(routingKey, Regex.Replace(UsernameVariable, username), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

/// <summary>What one broker user may do on one node: topic rules (write = publish, read = bind/subscribe) on amq.topic,
/// and the queues it may configure, write and read (besides amq.topic itself, which every user may write and, unless
/// <paramref name="ReadsExchange"/> is false, read: reading amq.topic is what binding a queue to it needs).</summary>
public sealed record BrokerRights(TopicRule Write, TopicRule Read, string QueuesRegex, bool ReadsExchange = true)
{
    public (string Configure, string Write, string Read) ResourcePermissions =>
        ($"^{QueuesRegex}$", $"^({BrokerRules.Exchange.Replace(".", "\\.")}|{QueuesRegex})$",
            ReadsExchange ? $"^({BrokerRules.Exchange.Replace(".", "\\.")}|{QueuesRegex})$" : $"^{QueuesRegex}$");

    public bool MayUseQueue(string queue) =>
        System.Text.RegularExpressions.Regex.IsMatch(queue, ResourcePermissions.Configure, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

/// <summary>A broker user of one node: name and RabbitMQ password hash ("" = no password: certificate login or none).</summary>
public sealed record BrokerUser(string Name, string PasswordHash, BrokerRights Rights);

/// <summary>
/// The fleet's topic scheme and permissions, once: who exists on which node (primary / fallback), which routing keys
/// each may write and read, which queues it may use. The RabbitMQ definitions (<see cref="RabbitMqConfigWriter"/>) and the
/// embedded broker (nf-build/EmbeddedBackend) are both generated from here. README "RabbitMQ backend", Topics.
/// </summary>
public static class BrokerRules
{
    public const string Exchange = "amq.topic";
    public const string RenewalServiceUser = DeviceIds.RenewalService;
    public const string OperatorUser = DeviceIds.Operator;
    public const string RenewalQueue = "renewal-requests";
    public const string StatusQueue = "renewal-status";
    public const string RequestBindingKey = "devices.*.renew.request";
    public const string StatusBindingKey = "devices.*.status";

    private static readonly BrokerRights PrimaryDevice = new(
        new TopicRule(TopicScope.Own, ["telemetry", "status", "renew.request"]),
        new TopicRule(TopicScope.Own, ["commands", "renew.response"]), "");

    private static readonly BrokerRights FallbackDevice = new(
        new TopicRule(TopicScope.Own, ["status", "renew.request"]),
        new TopicRule(TopicScope.Own, ["renew.response"]), "");

    /// <summary>A device's rights on <paramref name="role"/>: only its own topics, only its own MQTT subscription queues
    /// (3.10 expands variables in topic permissions only, so the queue names are spelled out).</summary>
    public static BrokerRights Device(BrokerRole role, string id) =>
        (role == BrokerRole.Primary ? PrimaryDevice : FallbackDevice) with { QueuesRegex = MqttSubscriptionQueues(id) };

    /// <summary>The device topic rules alone (the same for every device: {username}).</summary>
    public static (TopicRule Write, TopicRule Read) DeviceTopics(BrokerRole role) =>
        role == BrokerRole.Primary ? (PrimaryDevice.Write, PrimaryDevice.Read) : (FallbackDevice.Write, FallbackDevice.Read);

    /// <summary>The renewal service: writes responses to any device; reads requests (the binding key included) and, on
    /// the primary, status (the commit feed). Its own queues only; never telemetry or commands.</summary>
    public static BrokerRights RenewalService(BrokerRole role) => new(
        new TopicRule(TopicScope.AnyDevice, ["renew.response"]),
        new TopicRule(TopicScope.AnyDeviceOrWildcard, role == BrokerRole.Primary ? ["renew.request", "status"] : ["renew.request"]),
        role == BrokerRole.Primary ? $"({RenewalQueue}|{StatusQueue})" : RenewalQueue);

    /// <summary>The operator (`release rollout`, `fleet status`, `fleet simulate`), on the primary only: writes
    /// devices.&lt;any device id&gt;.commands, reads devices.&lt;any device id&gt;.status (exact device ids, no <c>*</c>: what
    /// `fleet status` and a rollout's wave wait subscribe to) and nothing else, and may use only its own MQTT
    /// subscription queues. Threat: whoever holds operator.key learns every device's version, slot, certificate serial
    /// and expiry and outcome words; never telemetry, commands or renewal traffic. Null on the fallback: no operator user there.</summary>
    public static BrokerRights? Operator(BrokerRole role) => role != BrokerRole.Primary ? null : new(
        new TopicRule(TopicScope.AnyDevice, ["commands"]), new TopicRule(TopicScope.AnyDevice, ["status"]), MqttSubscriptionQueues(OperatorUser));

    /// <summary>RabbitMQ 3.10 MQTT's subscription queues of a client id: mqtt-subscription-&lt;client id&gt;qos0/qos1.</summary>
    public static string MqttSubscriptionQueues(string id) => $"mqtt-subscription-{id}qos[01]";

    public static string MqttSubscriptionQueue(string clientId, int qos) => $"mqtt-subscription-{clientId}qos{(qos == 0 ? 0 : 1)}";

    /// <summary>The users of a node. Revoked devices get none; on the fallback only devices with a fallback password;
    /// device users on the primary have no password (certificate login only); the renewal service and the operator (primary
    /// only) never have one.</summary>
    public static IReadOnlyList<BrokerUser> Users(BrokerRole role, IEnumerable<DeviceRecord> devices)
    {
        var users = devices
            .Where(d => d.State == DeviceState.Active && (role == BrokerRole.Primary || !string.IsNullOrEmpty(d.FallbackPasswordHash)))
            .Select(d => new BrokerUser(d.Id, role == BrokerRole.Primary ? "" : d.FallbackPasswordHash!, Device(role, d.Id)))
            .ToList();
        users.Add(new BrokerUser(RenewalServiceUser, "", RenewalService(role)));
        if (Operator(role) is { } op)
            users.Add(new BrokerUser(OperatorUser, "", op));
        return users;
    }

    /// <summary>RabbitMQ 3.10 MQTT's topic to routing key (rabbit_mqtt_util:mqtt2amqp): <c>/</c> → <c>.</c>, <c>+</c> → <c>*</c>.
    /// A <c>.</c> in the MQTT topic stays a <c>.</c>, i.e. becomes a level separator of the routing key.</summary>
    public static string RoutingKey(string mqttTopic) => mqttTopic.Replace('/', '.').Replace('+', '*');

    /// <summary>Routing key to MQTT topic (rabbit_mqtt_util:amqp2mqtt): <c>*</c> → <c>+</c>, <c>.</c> → <c>/</c>.</summary>
    public static string MqttTopic(string routingKey) => routingKey.Replace('*', '+').Replace('.', '/');
}
