using System.Text.RegularExpressions;
using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Cli;
using NfBuild.Demo;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Demo;

/// <summary>[Fact] for the demo on RabbitMQ + Apache: skipped with the reason when either is missing, failing under CI=true.</summary>
public sealed class DemoRabbitMqFactAttribute : FactAttribute
{
    public DemoRabbitMqFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && (!RabbitMqNode.IsInstalled() || !ApacheServer.IsInstalled()))
            Skip = "needs RabbitMQ and Apache: " + RabbitMqNode.NotInstalledMessage + "; " + ApacheServer.NotInstalledMessage + " (on CI, CI=true, this is a failure)";
    }
}

/// <summary>The demos run one at a time: each drives a device's main loop and (on RabbitMQ) two broker nodes on 2 shared cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoCollection
{
    public const string Name = "nf-build demo";
}

/// <summary>
/// `nf-build demo` through the CLI entry point (in-process, the output a non-terminal writer: what CI logs show): the
/// exit code and the summary table's rows.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class DemoCommandTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => await Task.Run(() =>
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = NfBuildCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    });

    /// <summary>The summary row of <paramref name="step"/>: "| step | result | time | detail |" (ASCII table, one line).</summary>
    private static (string Result, string Detail) Row(string text, string step)
    {
        var match = Regex.Match(text, @"^\| " + Regex.Escape(step) + @" +\| (passed|failed|skipped) +\| +[0-9.]+ s \| (.*?) *\|\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no summary row for '{step}' in:\n{text}");
        return (match.Groups[1].Value, match.Groups[2].Value);
    }

    [Fact]
    public async Task Demo_on_the_embedded_backend_passes_every_step_exits_0_and_removes_its_folder()
    {
        var (exit, text, err) = await RunAsync("demo");
        output.WriteLine(text + err);
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        foreach (string step in DemoRunner.StepNames)
            Assert.Equal("passed", Row(text, step).Result);
        Assert.Contains("demo passed: 8/8 steps passed", text);
        // What the rows say happened (from the device's booted bytes, the observer and the audit).
        Assert.Contains("1.0.0 (ota_0) -> 1.1.0 (ota_1) as booted from flash", Row(text, "2 OTA update").Detail);
        Assert.Contains("status ota=rejected:bad-signature version=1.1.0", Row(text, "3 bad release refused").Detail);
        Assert.Contains("back on the primary with serial", Row(text, "4 expiry -> renewal").Detail);
        Assert.Contains(": 0 plaintext secrets", Row(text, "5 flash audit").Detail);
        // One line per device state change, e.g. the fallback and the renewal.
        Assert.Contains("conn: waiting-to-connect -> online-fallback: connected to fallback", text);
        Assert.Contains("renewal: awaiting-certificate: renew request", text);
        Assert.Contains("progress download app.bin", text);
        var folder = Regex.Match(text, @"^folder  (\S+)$", RegexOptions.Multiline);
        Assert.True(folder.Success);
        Assert.False(Directory.Exists(folder.Groups[1].Value), "the temporary folder should be removed without --keep");
        Assert.DoesNotContain("\u001b[", text); // no control sequences in a non-terminal output
    }

    [Fact]
    public async Task A_corrupted_published_app_makes_the_OTA_step_fail_for_its_real_reason_and_the_exit_code_non_zero()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nfb-demo-fault-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (exit, text, err) = await RunAsync("demo", "--dir", dir, "--fault", "corrupt-published-app");
            output.WriteLine(text + err);
            Assert.Equal(1, exit);
            var ota = Row(text, "2 OTA update");
            Assert.Equal("failed", ota.Result);
            Assert.Contains("ota=rejected:app-hash-mismatch", ota.Detail);
            Assert.Contains("still 1.0.0 in ota_0", ota.Detail);
            // The device refused the bytes and kept running its version: the other checks still pass.
            foreach (string step in DemoRunner.StepNames.Where(s => s != "2 OTA update"))
                Assert.Equal("passed", Row(text, step).Result);
            Assert.Contains("still 1.0.0 in ota_0", Row(text, "3 bad release refused").Detail);
            Assert.Contains("demo FAILED: 7/8 steps passed", text);
            Assert.True(Directory.Exists(Path.Combine(dir, "fleet")), "a folder given with --dir is kept");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public async Task A_non_empty_folder_is_refused_with_one_error_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nfb-demo-used-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "something"), "x");
        try
        {
            var (exit, text, err) = await RunAsync("demo", "--dir", dir);
            Assert.Equal(1, exit);
            Assert.StartsWith("error: ", err);
            Assert.Contains("is not empty", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Equal(["something"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [DemoRabbitMqFact]
    public async Task Demo_on_RabbitMQ_and_Apache_passes_every_step()
    {
        var (exit, text, err) = await RunAsync("demo", "--backend", "rabbitmq");
        output.WriteLine(text + err);
        Assert.Equal(0, exit);
        foreach (string step in DemoRunner.StepNames)
            Assert.Equal("passed", Row(text, step).Result);
        Assert.Contains("RabbitMQ: primary node", Row(text, "backend").Detail);
        Assert.Contains("Apache https://localhost:", Row(text, "backend").Detail);
    }
}
