using System.Text.Json;
using NfBuild.Backend;
using NfBuild.Cli;
using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Backend;

/// <summary>`backend rabbitmq write` output and the readers' checks (no broker needed).</summary>
public sealed class BackendConfigTests : IDisposable
{
    private readonly TestFleet _fleet = new();

    public void Dispose() => _fleet.Dispose();

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = NfBuildCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Write_produces_both_nodes_files_with_hashes_only_and_the_documented_permissions()
    {
        var (code, output, err) = Cli("backend", "rabbitmq", "write", _fleet.Root);
        Assert.True(code == 0, err);
        Assert.Contains("primary:", output);
        string primary = _fleet.FleetDir.NodeConfigDirectory(BrokerRole.Primary), fallback = _fleet.FleetDir.NodeConfigDirectory(BrokerRole.Fallback);
        var conf = File.ReadAllText(Path.Combine(primary, "rabbitmq.conf"));
        foreach (var line in new[] { "listeners.tcp = none", "mqtt.listeners.tcp = none", "mqtt.ssl_cert_login = true", "mqtt.allow_anonymous = false", "mqtt.vhost = iot", "auth_mechanisms.1 = EXTERNAL", "ssl_cert_login_from = common_name", $"mqtt.listeners.ssl.default = 127.0.0.1:{_fleet.Ports.PrimaryMqtts}" })
            Assert.Contains(line + "\n", conf);
        var adv = File.ReadAllText(Path.Combine(primary, "advanced.config"));
        Assert.Contains("{fail_if_no_peer_cert, true}", adv);
        Assert.Contains("{crl_check, best_effort}", adv);
        Assert.Contains("{verify, verify_peer}", File.ReadAllText(Path.Combine(fallback, "advanced.config")));
        Assert.Contains("{fail_if_no_peer_cert, false}", File.ReadAllText(Path.Combine(fallback, "advanced.config")));
        Assert.Contains("mqtt.ssl_cert_login = false", File.ReadAllText(Path.Combine(fallback, "rabbitmq.conf")));

        using var defs = JsonDocument.Parse(File.ReadAllText(Path.Combine(fallback, "definitions.json")));
        var users = defs.RootElement.GetProperty("users").EnumerateArray().ToDictionary(u => u.GetProperty("name").GetString()!);
        Assert.DoesNotContain("guest", users.Keys);
        Assert.DoesNotContain(TestFleet.RevokedInRegistry, users.Keys);
        var a = _fleet.Devices[TestFleet.Active1];
        Assert.True(FallbackPasswords.Verify(a.FallbackPassword, users[a.Id].GetProperty("password_hash").GetString()!));
        Assert.Equal("", users["renewal-service"].GetProperty("password_hash").GetString());
        Assert.DoesNotContain(a.FallbackPassword, File.ReadAllText(Path.Combine(fallback, "definitions.json")));
        var topic = defs.RootElement.GetProperty("topic_permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == a.Id);
        Assert.Equal("^devices\\.{username}\\.(status|renew\\.request)$", topic.GetProperty("write").GetString());
        Assert.Equal("^devices\\.{username}\\.renew\\.response$", topic.GetProperty("read").GetString());
        // The renewal service: the status feed (commit) on the primary only, never telemetry or commands.
        var serviceFallback = defs.RootElement.GetProperty("topic_permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == "renewal-service");
        Assert.Equal("^devices\\.(\\*|[a-z0-9-]{1,32})\\.renew\\.request$", serviceFallback.GetProperty("read").GetString());

        using var pdefs = JsonDocument.Parse(File.ReadAllText(Path.Combine(primary, "definitions.json")));
        Assert.All(pdefs.RootElement.GetProperty("users").EnumerateArray(), u => Assert.Equal("", u.GetProperty("password_hash").GetString()));
        var perm = pdefs.RootElement.GetProperty("permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == a.Id);
        Assert.Equal("^mqtt-subscription-dev-aqos[01]$", perm.GetProperty("configure").GetString());
        var service = pdefs.RootElement.GetProperty("topic_permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == "renewal-service");
        Assert.Equal("^devices\\.(\\*|[a-z0-9-]{1,32})\\.(renew\\.request|status)$", service.GetProperty("read").GetString());
        Assert.Equal("^devices\\.[a-z0-9-]{1,32}\\.renew\\.response$", service.GetProperty("write").GetString());
        var servicePerm = pdefs.RootElement.GetProperty("permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == "renewal-service");
        Assert.Equal("^(renewal-requests|renewal-status)$", servicePerm.GetProperty("configure").GetString());
    }

    [Theory]
    [InlineData("{\"id\":\".*\",\"state\":\"active\"}", "has character '.'")]
    [InlineData("{\"id\":\"dev-a\",\"state\":\"active\"},{\"id\":\"dev-a\",\"state\":\"active\"}", "appears twice")]
    [InlineData("{\"id\":\"renewal-service\",\"state\":\"active\"}", "reserved")]
    [InlineData("{\"id\":\"dev-a\",\"state\":\"lost\"}", "is not valid")]
    [InlineData("{\"id\":\"dev-a\",\"state\":\"active\",\"fallbackPasswordHash\":\"nope\"}", "fallbackPasswordHash")]
    public void Registry_entries_that_would_widen_permissions_are_refused(string devices, string message)
    {
        File.WriteAllText(_fleet.FleetDir.RegistryFile, "{\"version\":1,\"devices\":[" + devices + "]}");
        var (code, _, err) = Cli("backend", "rabbitmq", "write", _fleet.Root);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(_fleet.FleetDir.BackendRabbitMqDirectory));
    }

    [Fact]
    public void Fleet_refuses_a_device_named_like_the_renewal_service()
    {
        var (code, _, err) = Cli("fleet", "add-device", _fleet.Root, "renewal-service");
        Assert.Equal(1, code);
        Assert.Contains("reserved for the renewal service", err);
    }

    [Theory]
    [InlineData("epmd", 4369, "system epmd")]
    [InlineData("primaryDist", 0, "are both")]
    [InlineData("fallbackDist", 70000, "is not a TCP port")]
    public void Fleet_settings_with_unusable_node_ports_are_refused(string port, int value, string message)
    {
        string path = _fleet.FleetDir.SettingsFile;
        var settings = FleetSettings.FromJson(File.ReadAllText(path), path);
        switch (port)
        {
            case "epmd": settings.Ports.Epmd = value; break;
            case "primaryDist": settings.Ports.PrimaryDist = settings.Ports.PrimaryMqtts; break;
            default: settings.Ports.FallbackDist = value; break;
        }
        File.WriteAllText(path, settings.ToJson());
        var (code, _, err) = Cli("backend", "rabbitmq", "write", _fleet.Root);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Fleet_revoke_with_broker_but_no_recorded_broker_fails_and_revokes_nothing()
    {
        var (code, _, err) = Cli("fleet", "revoke", _fleet.Root, TestFleet.Active1, "--broker");
        Assert.Equal(1, code);
        Assert.Contains("no development broker recorded", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(DeviceState.Active, _fleet.FleetDir.Registry.Get(TestFleet.Active1)!.State);
    }

    [Fact]
    public void Missing_fleet_dir_is_one_error_line()
    {
        var (code, _, err) = Cli("backend", "rabbitmq", "write", Path.Combine(_fleet.Root, "nope"));
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
    }
}
