using System.Diagnostics;
using NfBuild.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Benchmarks;

/// <summary>
/// OTA download speed against a plain HTTPS client: a release of a 1.6 MB app image + 300 KB deployment from the
/// fleet's real Apache on loopback, installed by a running virtual Lolin32 (flash and NVS encryption: every byte
/// is SHA-256 hashed, encrypted and written into the inactive pair, read back for esp_ota_end), against
/// `curl -s --cacert root-ca.pem -o /dev/null app.bin -o /dev/null deploy.bin` of the same two files from the same
/// server (one curl process, one connection), measured in the same run. The OTA figure is the device's streaming
/// phase, from MQTT closed (manifest and signature fetched and verified, both parts streamed and hashed, image
/// verified) to MQTT reopened; command-to-reboot and command-to-confirmed are printed beside it. The first update is a
/// warm-up (JIT of the .NET side) and not counted. Goal: ratio ≤ 1.5;
/// the test asserts the update happened and prints the figures.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OtaVersusCurlBenchmark(EndToEndFixture fx, ITestOutputHelper output)
{
    private const int AppCode = 1600 * 1024 - 512;
    private const int Deploy = 300 * 1024;

    [EndToEndFact]
    public async Task Ota_of_a_1_6_MB_release_from_Apache_versus_curl_of_the_same_files()
    {
        if (!NfBuild.Backend.Apache.ApacheServer.IsInstalled() && !EndToEndFactAttribute.IsCi)
            return;
        var release = await OtaEndToEnd.CreateAndPublishAsync(fx, "2.0.0", AppCode, Deploy);
        output.WriteLine($"release 2.0.0: app {release.AppBytes} bytes, deploy {release.DeployBytes} bytes, from {release.AppUrl}");
        var ota = new List<OtaRun>();
        var curl = new List<double>();
        try
        {
            await CurlAsync(release); // warm-up (page cache, Apache workers, TLS session cache)
            for (int n = 0; n < EndToEndFixture.OtaBench.Length; n++)
            {
                string id = EndToEndFixture.OtaBench[n];
                // The first update is the warm-up of the .NET side (JIT of every path a board has in flash already): not counted.
                bool counted = n > 0;
                double curlMs = await CurlAsync(release);
                if (counted)
                    curl.Add(curlMs);
                using var device = RunningDevice.Provision(fx, id);
                device.Start();
                try
                {
                    Assert.True(await device.WaitUntilAsync(d => d.Runner.Application?.Connection.IsOnPrimary == true, TimeSpan.FromSeconds(30)), "device never reached the primary");
                    var run = await OtaEndToEnd.UpdateAsync(fx, device, release, output);
                    Assert.Equal("2.0.0", device.Runner.Identity!.Version);
                    Assert.Equal(1, run.MaxTlsSessions);
                    if (counted)
                        ota.Add(run);
                    output.WriteLine($"{id}{(counted ? "" : " (warm-up, not counted)")}: OTA streaming {run.Download.TotalMilliseconds:F0} ms (command -> MQTT closed {run.CommandToHeld.TotalMilliseconds:F0} ms, "
                        + $"-> reboot {run.CommandToReboot.TotalMilliseconds:F0} ms, -> confirmed {run.CommandToConfirmed.TotalMilliseconds:F0} ms), curl {curlMs:F0} ms, {run.FinalStatus}");
                    output.WriteLine("  " + run.Phases);
                }
                finally
                {
                    device.Stop();
                }
                curlMs = await CurlAsync(release);
                if (counted)
                    curl.Add(curlMs);
            }
        }
        finally
        {
        }
        double otaMedian = Median(ota.Select(r => r.Download.TotalMilliseconds));
        double curlMedian = Median(curl);
        output.WriteLine($"OTA streaming phase: median {otaMedian:F0} ms, min {ota.Min(r => r.Download.TotalMilliseconds):F0} ms over {ota.Count} updates");
        output.WriteLine($"curl of the same two files: median {curlMedian:F0} ms, min {curl.Min():F0} ms over {curl.Count} runs");
        output.WriteLine($"ratio (medians): {otaMedian / curlMedian:F2} (goal <= 1.5)");
        output.WriteLine($"build: tests {Configuration(typeof(OtaVersusCurlBenchmark))}, virtual chip {Configuration(typeof(Esp32.Virtual.VirtualEsp32))}, flash formats {Configuration(typeof(Esp32.Formats.FlashEncryption.Esp32FlashCipher))}, "
            + $"core {Configuration(typeof(IotDevice.Core.Updates.OtaUpdater))}, AES-NI {Esp32.Formats.FlashEncryption.Esp32FlashCipher.IsAesNiSupported}, {Environment.ProcessorCount} CPUs");
        output.WriteLine($"command -> confirmed: median {Median(ota.Select(r => r.CommandToConfirmed.TotalMilliseconds)):F0} ms");
    }

    private async Task<double> CurlAsync(PublishedRelease release)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-s", "-S", "-f", "--cacert", fx.Fleet.RootCaCertificate, "-o", "/dev/null", release.AppUrl, "-o", "/dev/null", release.DeployUrl })
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        sw.Stop();
        Assert.True(p.ExitCode == 0, $"curl exit {p.ExitCode}: {err}");
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>"optimized" or "debug": whether the JIT optimizes the assembly's code.</summary>
    private static string Configuration(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "debug" : "optimized";

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
