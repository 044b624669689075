using System.Diagnostics;
using System.Security.Cryptography;
using Esp32.Formats.FlashImage;
using Esp32.Formats.Nvs;
using Esp32.Virtual;
using NfBuild.Tests.Virtual;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Benchmarks;

/// <summary>
/// Measures generating and encrypting a complete 4 MB provisioning image (goal: under 1 s on the CI
/// machine) and prints the figures. It asserts what was built (the device boots it and reads its
/// secrets), not how fast: timings are reported, not tested.
/// </summary>
public class ProvisioningImageBenchmark(ITestOutputHelper output)
{
    [Fact]
    public void GenerateAndEncrypt_A4MbProvisioningImage()
    {
        string dir = Directory.CreateTempSubdirectory("provision").FullName;
        File.WriteAllBytes(Path.Combine(dir, "device.crt"), RandomNumberGenerator.GetBytes(1300));
        File.WriteAllBytes(Path.Combine(dir, "device.key"), RandomNumberGenerator.GetBytes(1700));
        File.WriteAllBytes(Path.Combine(dir, "ca.crt"), RandomNumberGenerator.GetBytes(1300));
        string csv = """
            key,type,encoding,value
            identity,namespace,,
            cert_a,file,binary,device.crt
            key_a,file,binary,device.key
            ca,file,binary,ca.crt
            active,data,u8,0
            wifi,namespace,,
            ssid,data,string,factory-line
            pass,data,string,correct horse battery staple
            fallback,namespace,,
            user,data,string,dev-0001
            pass,data,string,fallback-secret
            """;
        byte[] app = TestDevices.App("1.0.0", codeBytes: 1_500_000);
        byte[] managed = RandomNumberGenerator.GetBytes(300_000);
        byte[] flashKey = RandomNumberGenerator.GetBytes(32);
        var nvsKeys = NvsKeys.Generate();
        var table = TestDevices.ProductTable;
        int nvsSize = (int)table.Find("nvs")!.Size;

        // Warm-up (JIT), then the measured runs.
        Build();
        var times = new List<double>();
        byte[] image = [];
        for (int run = 0; run < 5; run++)
        {
            var sw = Stopwatch.StartNew();
            image = Build();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"4 MB provisioning image (NVS from CSV + NVS encryption, nvs_keys, 1.5 MB app, 300 KB managed code, flash encryption of all encrypted partitions): best {times.Min():F1} ms, median {times.Order().ElementAt(2):F1} ms over 5 runs; AES backend {(Esp32.Formats.FlashEncryption.Esp32FlashCipher.IsAesNiSupported ? "AES-NI" : "platform")}");
        Console.WriteLine($"BENCHMARK provisioning-image-4MB best={times.Min():F1}ms median={times.Order().ElementAt(2):F1}ms");

        // What was built is real: a chip with that key and encryption enabled boots it and reads the secrets.
        var efuses = new Esp32.Formats.Efuse.Esp32Efuses();
        efuses.BurnFlashEncryptionKey(flashKey);
        efuses.Burn(Esp32.Formats.Efuse.Esp32EfuseFields.FlashCryptConfig, 0xF);
        efuses.IncrementFlashCryptCnt();
        var device = new VirtualEsp32(FlashChip.FromImage(image), efuses, SecuritySettings.Secure);
        Assert.Equal("1.0.0", device.PowerOn().RunningVersion);
        Assert.Equal("correct horse battery staple", device.MountNvs().OpenHandle("wifi", false).GetString("pass"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "device.key")), device.MountNvs().OpenHandle("identity", false).GetBlob("key_a"));

        byte[] Build()
        {
            byte[] nvs = NvsPartitionGenerator.Generate(csv, nvsSize, new NvsGeneratorOptions { BaseDirectory = dir, EncryptionKey = nvsKeys.ToXtsKey() });
            return new FlashImageBuilder(table)
                .WithPartition("nvs", nvs)
                .WithPartition("nvs_keys", NvsKeysPartition.Build(nvsKeys))
                .WithPartition("ota_0", app)
                .WithPartition("deploy_0", managed)
                .Build(flashKey);
        }
    }
}
