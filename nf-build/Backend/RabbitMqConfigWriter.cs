using System.Text;
using System.Text.Json;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>How client certificates are checked against the issuing CA's CRL (Erlang ssl's crl_check).
/// See README.md "RabbitMQ backend", CRL, for what each does on RabbitMQ 3.10.8 / OTP 25 and why best_effort is the default.</summary>
public enum CrlCheckMode
{
    /// <summary>Check every certificate of the chain that has a CRL in the hash directory; a missing or
    /// outdated CRL does not refuse the connection (the fleet is never locked out by a stale CRL).</summary>
    BestEffort,
    /// <summary>Check the client's leaf only; a missing or outdated CRL refuses it.</summary>
    Peer,
    /// <summary>No CRL check (broker-user removal is then the only revocation).</summary>
    None,
}

public sealed record RabbitMqWriteOptions
{
    /// <summary>Address the MQTTS/AMQPS listeners bind to. Loopback by default; a production broker host binds its public address.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";
    public CrlCheckMode CrlCheck { get; init; } = CrlCheckMode.BestEffort;
}

/// <summary>The files of one broker node, as `backend rabbitmq write` puts them in &lt;fleet&gt;/backend/rabbitmq/&lt;role&gt;/.</summary>
public sealed record RabbitMqNodeConfig(BrokerRole Role, string Vhost, int MqttsPort, int AmqpsPort, string RabbitMqConf, string AdvancedConfig, string EnabledPlugins, string DefinitionsJson)
{
    public const string ConfFile = "rabbitmq.conf";
    public const string AdvancedFile = "advanced.config";
    public const string PluginsFile = "enabled_plugins";
    public const string DefinitionsFile = "definitions.json";

    /// <summary>Its folder under &lt;fleet&gt;/backend/rabbitmq/: primary, fallback, or primary-&lt;k&gt; for node k of a primary cluster.</summary>
    public string DirectoryName { get; init; } = Role.DirectoryName();
}

/// <summary>
/// Generates the primary and fallback node configuration from the fleet directory: rabbitmq.conf (new style),
/// advanced.config (only what the new style cannot say: the CRL cache), enabled_plugins and definitions.json
/// (vhost, users with password hashes only, permissions, topic permissions). Topology and permissions are
/// README "Fleet workspace"'s.
/// </summary>
public static class RabbitMqConfigWriter
{
    public const string RenewalServiceUser = BrokerRules.RenewalServiceUser;
    /// <summary>The renewal service's durable request queue, one per vhost (node).</summary>
    public const string RenewalQueue = BrokerRules.RenewalQueue;
    public const string RequestBindingKey = BrokerRules.RequestBindingKey;
    /// <summary>The renewal service's durable queue of device status messages, on the primary only: the renewal
    /// authority commits a renewed certificate when the device's status there shows the new serial.</summary>
    public const string StatusQueue = BrokerRules.StatusQueue;
    public const string StatusBindingKey = BrokerRules.StatusBindingKey;

    public sealed record Result(RabbitMqNodeConfig Primary, RabbitMqNodeConfig Fallback, IReadOnlyList<string> Warnings)
    {
        /// <summary>Nodes 2, 3, ... of a primary cluster (empty for a single primary).</summary>
        public IReadOnlyList<RabbitMqNodeConfig> PrimaryPeers { get; init; } = [];

        public IEnumerable<RabbitMqNodeConfig> All => [Primary, .. PrimaryPeers, Fallback];
    }

    public static Result Generate(FleetDirectory fleet, RabbitMqWriteOptions? options = null)
    {
        options ??= new RabbitMqWriteOptions();
        FleetSettings settings = fleet.Settings;
        // Fleet's registry load refuses ids that are not device ids (they end up in permission regexes), the
        // renewal service's name and duplicates.
        var devices = fleet.Registry.Load().Devices;
        var warnings = new List<string>();
        foreach (var (path, what) in new[] { (fleet.CaBundle, "CA bundle"), (fleet.ServerCertificate, "broker certificate chain"), (fleet.ServerKey, "broker key") })
        {
            if (!File.Exists(path))
                throw new BackendException($"{what} {path} does not exist");
        }
        if (options.CrlCheck != CrlCheckMode.None && (!Directory.Exists(fleet.CrlHashDirectory) || !Directory.EnumerateFiles(fleet.CrlHashDirectory, "*.r*").Any()))
            warnings.Add($"no CRL in {fleet.CrlHashDirectory} (<issuer hash>.r0): revoked certificates are refused only by removing their broker user until the fleet tool writes it");
        foreach (var d in devices.Where(d => IsActive(d) && !HasFallbackPassword(d)))
            warnings.Add($"device {d.Id} has no fallbackPasswordHash: it gets no user on the fallback node");

        IReadOnlyList<string>? cluster = null;
        if (settings.PrimaryNodeCount() > 1)
        {
            // The node names are part of each node's configuration (the peer list): recorded now if they were not yet.
            var names = RabbitMqBackend.EnsureNodeNames(fleet);
            cluster = [names[BrokerRole.Primary].NodeName, .. RabbitMqBackend.RecordedPeers(fleet).Select(p => p.NodeName)];
        }
        var primary = Node(BrokerRole.Primary, settings.PrimaryVhost, settings.Ports.PrimaryMqtts, settings.Ports.PrimaryAmqps, fleet.NodeConfigDirectory(BrokerRole.Primary), fleet, options, devices, cluster);
        var peers = settings.Ports.PrimaryPeers.Select((p, i) => Node(BrokerRole.Primary, settings.PrimaryVhost, p.Mqtts, p.Amqps, fleet.PeerConfigDirectory(i + 2), fleet, options, devices, cluster)
            with { DirectoryName = BrokerRoleExtensions.PeerDirectoryName(i + 2) }).ToList();
        var fallback = Node(BrokerRole.Fallback, settings.FallbackVhost, settings.Ports.FallbackMqtts, settings.Ports.FallbackAmqps, fleet.NodeConfigDirectory(BrokerRole.Fallback), fleet, options, devices, null);
        return new Result(primary, fallback, warnings) { PrimaryPeers = peers };
    }

    /// <summary>Generates and writes both nodes' files; returns what it wrote.</summary>
    public static Result Write(FleetDirectory fleet, RabbitMqWriteOptions? options = null)
    {
        var result = Generate(fleet, options);
        foreach (var node in result.All)
        {
            string dir = Path.Combine(fleet.BackendRabbitMqDirectory, node.DirectoryName);
            // Owner-only folders: they also hold the nodes' state (Erlang cookie) below backend/rabbitmq/state.
            SecureFiles.CreateDirectory(fleet.BackendRabbitMqDirectory, SecureFiles.SecretDirectory);
            SecureFiles.CreateDirectory(dir, SecureFiles.SecretDirectory);
            // Atomic (temp file + rename): a broker starting meanwhile never reads half a config.
            SecureFiles.WritePublic(Path.Combine(dir, RabbitMqNodeConfig.ConfFile), node.RabbitMqConf);
            SecureFiles.WritePublic(Path.Combine(dir, RabbitMqNodeConfig.AdvancedFile), node.AdvancedConfig);
            SecureFiles.WritePublic(Path.Combine(dir, RabbitMqNodeConfig.PluginsFile), node.EnabledPlugins);
            // Hashes only, but they are still offline-guessable: owner-only.
            SecureFiles.WriteSecret(Path.Combine(dir, RabbitMqNodeConfig.DefinitionsFile), node.DefinitionsJson);
        }
        return result;
    }

    private static bool IsActive(DeviceRecord d) => d.State == DeviceState.Active;

    private static bool HasFallbackPassword(DeviceRecord d) => !string.IsNullOrEmpty(d.FallbackPasswordHash);

    private static RabbitMqNodeConfig Node(BrokerRole role, string vhost, int mqtts, int amqps, string dir, FleetDirectory fleet, RabbitMqWriteOptions options,
        IReadOnlyList<DeviceRecord> devices, IReadOnlyList<string>? cluster)
    {
        bool primary = role == BrokerRole.Primary;
        var c = new StringBuilder();
        c.AppendLine($"# {role} broker node of fleet {fleet.Root}. Generated by `nf-build backend rabbitmq write`; edits are overwritten.");
        c.AppendLine("# RabbitMQ 3.10.8 (Debian 12). Why each setting: README.md, \"RabbitMQ backend\".");
        c.AppendLine();
        c.AppendLine("# No plain AMQP: a password or message on the wire in clear is never offered.");
        c.AppendLine("listeners.tcp = none");
        c.AppendLine("# AMQPS for the renewal service only (certificate login, see auth_mechanisms).");
        c.AppendLine($"listeners.ssl.default = {options.BindAddress}:{amqps}");
        c.AppendLine("# AMQP logins: EXTERNAL (client certificate CN) only, so no AMQP password (guessable, replayable) is ever accepted.");
        c.AppendLine("auth_mechanisms.1 = EXTERNAL");
        c.AppendLine("ssl_cert_login_from = common_name");
        c.AppendLine();
        c.AppendLine("# TLS options (ssl_options) of every listener are in advanced.config: 3.10's rabbitmq.conf has no key for the");
        c.AppendLine("# CRL cache, and an ssl_options list in advanced.config replaces rabbitmq.conf's ssl_options as a whole (verified:");
        c.AppendLine("# the listener then fails with no_cert), so all of them live there.");
        c.AppendLine();
        c.AppendLine("# MQTT over TLS only.");
        c.AppendLine("mqtt.listeners.tcp = none");
        c.AppendLine($"mqtt.listeners.ssl.default = {options.BindAddress}:{mqtts}");
        if (primary)
        {
            c.AppendLine("# Username = certificate CN (only when the client sends no username and no password). Device users have no");
            c.AppendLine("# password here, so a stolen fallback password is useless on this node.");
            c.AppendLine("mqtt.ssl_cert_login = true");
        }
        else
        {
            c.AppendLine("# Password login only: a certificate alone never logs in on the fallback.");
            c.AppendLine("mqtt.ssl_cert_login = false");
        }
        c.AppendLine("# 3.10's default is true with guest/guest: an anonymous client would get a session.");
        c.AppendLine("mqtt.allow_anonymous = false");
        c.AppendLine($"mqtt.vhost = {vhost}");
        c.AppendLine("mqtt.exchange = amq.topic");
        c.AppendLine();
        c.AppendLine("# Users, vhost and permissions. Loading definitions at boot also stops 3.10 from creating guest/guest and vhost /.");
        c.AppendLine($"load_definitions = {Path.Combine(dir, RabbitMqNodeConfig.DefinitionsFile)}");
        c.AppendLine();
        c.AppendLine("log.console = false");
        c.AppendLine("log.file.level = info");
        if (cluster is not null)
            Cluster(c, cluster);

        string advanced = Advanced(role, fleet, options);

        // Management (HTTP admin UI with password login) is off: administration is rabbitmqctl with the node's cookie.
        string plugins = "[rabbitmq_auth_mechanism_ssl,rabbitmq_mqtt].\n";
        return new RabbitMqNodeConfig(role, vhost, mqtts, amqps, c.ToString(), advanced, plugins, Definitions(role, vhost, devices));
    }

    /// <summary>
    /// A primary cluster's part of rabbitmq.conf (RabbitMQ 3.10.8; sources in README "Primary cluster"). Every node lists
    /// every node (classic_config); 3.10's classic_config takes a global lock over the listed nodes around peer
    /// discovery (rabbit_peer_discovery_classic_config:lock, rabbit_mnesia:init_with_lock), so nodes booted in parallel
    /// run discovery one after another: the first finds no running peer and forms the cluster, the next ones join it. QoS 1 subscription queues of persistent sessions
    /// (the devices connect with clean_session = false) are quorum queues: replicated on the nodes, they survive a node.
    /// </summary>
    private static void Cluster(StringBuilder c, IReadOnlyList<string> nodes)
    {
        c.AppendLine();
        c.AppendLine($"# Primary cluster of {nodes.Count} nodes (3.10's MQTT client-id tracking is a Raft cluster: it needs a majority, so 3 or more).");
        c.AppendLine("cluster_formation.peer_discovery_backend = classic_config");
        for (int i = 0; i < nodes.Count; i++)
            c.AppendLine($"cluster_formation.classic_config.nodes.{i + 1} = {nodes[i]}");
        c.AppendLine("# The first node to take classic_config's lock waits discovery_retry_limit x interval for a running peer, then");
        c.AppendLine("# forms the cluster; the others take the lock after it and join it. Short, so a parallel start is not held up.");
        c.AppendLine("cluster_formation.discovery_retry_limit = 4");
        c.AppendLine("cluster_formation.discovery_retry_interval = 500");
        c.AppendLine("# A node cut off from the majority stops serving rather than diverging (and devices move to the majority's nodes).");
        c.AppendLine("cluster_partition_handling = pause_minority");
        c.AppendLine("# QoS 1 subscription queues of persistent sessions (clean_session = false, as the devices connect) are quorum queues,");
        c.AppendLine("# replicated on every node: a device's queued commands survive the loss of the node it was connected to.");
        c.AppendLine("# (3.10.8 rabbit_mqtt_processor:maybe_quorum: clean-session queues stay classic and auto-delete.)");
        c.AppendLine("mqtt.durable_queue_type = quorum");
    }

    private static string Advanced(BrokerRole role, FleetDirectory fleet, RabbitMqWriteOptions options)
    {
        bool primary = role == BrokerRole.Primary;
        var a = new StringBuilder();
        a.AppendLine($"%% {role} node TLS options. Generated by `nf-build backend rabbitmq write`; edits are overwritten.");
        a.AppendLine("%% These apply to every TLS listener of the node: 3.10's MQTT listener takes rabbit's ssl_options too");
        a.AppendLine("%% (rabbit_mqtt_sup calls rabbit_networking:ensure_ssl()), so MQTTS and AMQPS of one node share them.");
        a.AppendLine("[");
        a.AppendLine(" {rabbit, [");
        a.AppendLine("  {ssl_options, [");
        a.AppendLine("    %% Client certificates must chain to the issuing CA (ca-bundle: issuing + root).");
        a.AppendLine($"    {{cacertfile, {ErlangString(fleet.CaBundle)}}},");
        a.AppendLine($"    {{certfile, {ErlangString(fleet.ServerCertificate)}}},");
        a.AppendLine($"    {{keyfile, {ErlangString(fleet.ServerKey)}}},");
        a.AppendLine("    {verify, verify_peer},");
        if (primary)
        {
            a.AppendLine("    %% Threat: a client without a certificate of the issuing CA must not even finish the handshake.");
            a.AppendLine("    {fail_if_no_peer_cert, true},");
        }
        else
        {
            a.AppendLine("    %% Fallback: devices come here exactly when their certificate is unusable, so TLS does not require one.");
            a.AppendLine("    %% A certificate that is sent is still verified (verify_peer), and AMQP still needs one: EXTERNAL is");
            a.AppendLine("    %% the only AMQP mechanism, so an AMQP client without a certificate fails at login.");
            a.AppendLine("    {fail_if_no_peer_cert, false},");
        }
        a.AppendLine("    {versions, ['tlsv1.3', 'tlsv1.2']},");
        a.AppendLine("    {honor_cipher_order, true},");
        a.AppendLine("    {client_renegotiation, false},");
        a.AppendLine("    %% Threat: a TLS 1.2 session resumed from before a revocation would skip the certificate and CRL check.");
        a.AppendLine("    {reuse_sessions, false},");
        if (options.CrlCheck != CrlCheckMode.None)
        {
            a.AppendLine("    %% Revoked client certificates are refused in the handshake. OTP's ssl_crl_hash_dir reads");
            a.AppendLine("    %% <X509_NAME_hash of the issuer>.rN (PEM or DER) from the directory at each handshake: no restart needed.");
            if (options.CrlCheck == CrlCheckMode.BestEffort)
            {
                a.AppendLine("    %% best_effort: a revoked serial on a CRL is refused; a missing or outdated CRL does not lock the fleet");
                a.AppendLine("    %% out (verified on 3.10.8/OTP 25). Revocation also deletes the broker user, which does not depend on the CRL.");
                a.AppendLine("    {crl_check, best_effort},");
            }
            else
            {
                a.AppendLine("    %% peer: the client's leaf must have a current CRL; an outdated CRL refuses every device.");
                a.AppendLine("    {crl_check, peer},");
            }
            a.AppendLine($"    {{crl_cache, {{ssl_crl_hash_dir, {{internal, [{{dir, {ErlangString(fleet.CrlHashDirectory)}}}]}}}}}}");
        }
        else
        {
            a.AppendLine("    {crl_check, false}");
        }
        a.AppendLine("  ]}");
        a.AppendLine(" ]}");
        a.AppendLine("].");
        return a.ToString();
    }

    private static string ErlangString(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Device resource permissions, from <see cref="BrokerRules"/>: only its own MQTT subscription queues.</summary>
    public static (string Configure, string Write, string Read) DevicePermissions(string id) =>
        BrokerRules.Device(BrokerRole.Primary, id).ResourcePermissions;

    /// <summary>Device topic permissions on amq.topic, from <see cref="BrokerRules"/> ({username} = certificate CN on the
    /// primary, the login name on the fallback; never {client_id}, which a client chooses freely).</summary>
    public static (string Write, string Read) DeviceTopicPermissions(BrokerRole role)
    {
        var (write, read) = BrokerRules.DeviceTopics(role);
        return (write.Regex, read.Regex);
    }

    /// <summary>The renewal service's own queues only (<see cref="BrokerRules.RenewalService"/>).</summary>
    public static (string Configure, string Write, string Read) RenewalServicePermissions(BrokerRole role) =>
        BrokerRules.RenewalService(role).ResourcePermissions;

    /// <summary>The renewal service's topic permissions (<see cref="BrokerRules.RenewalService"/>).</summary>
    public static (string Write, string Read) RenewalServiceTopicPermissions(BrokerRole role)
    {
        var rights = BrokerRules.RenewalService(role);
        return (rights.Write.Regex, rights.Read.Regex);
    }

    private static string Definitions(BrokerRole role, string vhost, IReadOnlyList<DeviceRecord> devices)
    {
        var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("rabbit_version", "3.10.8");
            w.WriteString("rabbitmq_version", "3.10.8");
            w.WriteStartArray("users");
            // Revoked devices get no user: even with a valid certificate and a stale CRL, they cannot log in.
            var users = BrokerRules.Users(role, devices);
            foreach (var u in users)
                User(w, u.Name, u.PasswordHash);
            w.WriteEndArray();
            w.WriteStartArray("vhosts");
            w.WriteStartObject();
            w.WriteString("name", vhost);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("permissions");
            foreach (var u in users)
                Permission(w, u.Name, vhost, u.Rights.ResourcePermissions);
            w.WriteEndArray();
            w.WriteStartArray("topic_permissions");
            foreach (var u in users)
                TopicPermission(w, u.Name, vhost, (u.Rights.Write.Regex, u.Rights.Read.Regex));
            w.WriteEndArray();
            foreach (var empty in new[] { "parameters", "global_parameters", "policies", "queues", "exchanges", "bindings" })
            {
                w.WriteStartArray(empty);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    internal static void User(Utf8JsonWriter w, string name, string hash)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        // "" = no password: the user can log in with a certificate (or not at all), never with a password.
        w.WriteString("password_hash", hash);
        w.WriteString("hashing_algorithm", FallbackPasswords.HashingAlgorithm);
        w.WriteStartArray("tags");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static void Permission(Utf8JsonWriter w, string user, string vhost, (string Configure, string Write, string Read) p)
    {
        w.WriteStartObject();
        w.WriteString("user", user);
        w.WriteString("vhost", vhost);
        w.WriteString("configure", p.Configure);
        w.WriteString("write", p.Write);
        w.WriteString("read", p.Read);
        w.WriteEndObject();
    }

    internal static void TopicPermission(Utf8JsonWriter w, string user, string vhost, (string Write, string Read) p)
    {
        w.WriteStartObject();
        w.WriteString("user", user);
        w.WriteString("vhost", vhost);
        w.WriteString("exchange", "amq.topic");
        w.WriteString("write", p.Write);
        w.WriteString("read", p.Read);
        w.WriteEndObject();
    }
}
