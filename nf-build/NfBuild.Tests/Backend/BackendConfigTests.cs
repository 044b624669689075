using System.Text.Json;
using NfBuild.Backend;
using NfBuild.Cli;
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
    public void Write_produces_both_nodes_files_with_hashes_only_and_contract_permissions()
    {
        var (code, output, err) = Cli("backend", "rabbitmq", "write", _fleet.Root);
        Assert.True(code == 0, err);
        Assert.Contains("primary:", output);
        string primary = _fleet.Layout.NodeConfigDir(BrokerRole.Primary), fallback = _fleet.Layout.NodeConfigDir(BrokerRole.Fallback);
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
        Assert.True(RabbitPasswordHash.Verify(a.FallbackPassword, users[a.Id].GetProperty("password_hash").GetString()!));
        Assert.Equal("", users["renewal-service"].GetProperty("password_hash").GetString());
        Assert.DoesNotContain(a.FallbackPassword, File.ReadAllText(Path.Combine(fallback, "definitions.json")));
        var topic = defs.RootElement.GetProperty("topic_permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == a.Id);
        Assert.Equal("^devices\\.{username}\\.(status|renew\\.request)$", topic.GetProperty("write").GetString());
        Assert.Equal("^devices\\.{username}\\.renew\\.response$", topic.GetProperty("read").GetString());

        using var pdefs = JsonDocument.Parse(File.ReadAllText(Path.Combine(primary, "definitions.json")));
        Assert.All(pdefs.RootElement.GetProperty("users").EnumerateArray(), u => Assert.Equal("", u.GetProperty("password_hash").GetString()));
        var perm = pdefs.RootElement.GetProperty("permissions").EnumerateArray().Single(t => t.GetProperty("user").GetString() == a.Id);
        Assert.Equal("^mqtt-subscription-dev-aqos[01]$", perm.GetProperty("configure").GetString());
    }

    [Fact]
    public void Password_hash_matches_rabbit_sha256_scheme()
    {
        // base64(salt || sha256(salt || "test12")) with salt 908D C60A, the example in RabbitMQ's passwords docs.
        Assert.Equal("kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR", RabbitPasswordHash.Compute("test12", [0x90, 0x8D, 0xC6, 0x0A]));
    }

    [Theory]
    [InlineData("[{\"id\":\".*\",\"state\":\"active\"}]", "is not a device id")]
    [InlineData("[{\"id\":\"dev-a\",\"state\":\"active\"},{\"id\":\"dev-a\",\"state\":\"active\"}]", "appears twice")]
    [InlineData("[{\"id\":\"renewal-service\",\"state\":\"active\"}]", "reserved")]
    [InlineData("[{\"id\":\"dev-a\",\"state\":\"lost\"}]", "neither active nor revoked")]
    [InlineData("{\"devices\":[{\"id\":\"dev-a\",\"state\":\"active\",\"fallbackPasswordHash\":\"nope\"}]}", "fallbackPasswordHash")]
    public void Registry_entries_that_would_widen_permissions_are_refused(string json, string message)
    {
        File.WriteAllText(_fleet.Layout.Registry, json);
        var (code, _, err) = Cli("backend", "rabbitmq", "write", _fleet.Root);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(_fleet.Layout.RabbitMqDir));
    }

    [Fact]
    public void Registry_object_form_with_extra_fields_is_read()
    {
        File.WriteAllText(_fleet.Layout.Registry, "{\"version\":1,\"devices\":[{\"id\":\"dev-x\",\"state\":\"active\",\"serial\":\"01\",\"extra\":{\"a\":1}}]}");
        var d = Assert.Single(DeviceRegistry.Load(_fleet.Layout.Registry));
        Assert.Equal(("dev-x", true, (string?)null), (d.Id, d.IsActive, d.FallbackPasswordHash));
    }

    [Fact]
    public void Missing_fleet_dir_is_one_error_line()
    {
        var (code, _, err) = Cli("backend", "rabbitmq", "write", Path.Combine(_fleet.Root, "nope"));
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
    }
}
