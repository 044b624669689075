using System.Diagnostics;
using System.Text;
using Esp32.Formats.Flash;
using Esp32.Formats.Nvs;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Nvs;

/// <summary>
/// (f) How long generating and encrypting a large NVS partition takes (printed, not asserted). The outputs
/// are also known answers: SHA-256 from esp-idf-nvs-partition-gen 0.2.0 (Python 3.11.7, cryptography
/// 48.0.0) on the same CSV: <c>generate big.csv big.bin 0x100000</c> and
/// <c>encrypt big.csv bige.bin 0x100000 --inputkey key64.bin</c> (the tool took ~170 ms and ~420 ms).
/// </summary>
public class NvsMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public void Generate_and_encrypt_a_1_MiB_partition()
    {
        const int size = 0x100000; // 256 pages
        var csv = new StringBuilder("key,type,encoding,value\n");
        int keys = 0;
        for (int ns = 0; ns < 8; ns++)
        {
            csv.Append($"ns{ns},namespace,,\n");
            for (int i = 0; i < 250; i++, keys++) csv.Append($"u{i},data,u32,{i * 7919}\n");
            for (int i = 0; i < 40; i++, keys++) csv.Append($"s{i},data,string,{new string((char)('a' + i % 26), 400 + i)}\n");
            for (int i = 0; i < 6; i++, keys++) csv.Append($"b{i},data,hex2bin,{Convert.ToHexStringLower(Enumerable.Range(0, 6000 + i).Select(j => (byte)(j + ns)).ToArray())}\n");
        }
        string text = csv.ToString();

        var sw = Stopwatch.StartNew();
        var plain = NvsPartitionGenerator.Generate(text, size);
        double generateMs = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var encrypted = NvsPartitionGenerator.Generate(text, size, new NvsGeneratorOptions { EncryptionKey = NvsTestData.Key64 });
        double encryptMs = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var dump = NvsReader.Read(encrypted, NvsTestData.Key64);
        double readMs = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var storage = NvsStorage.Mount(new MemoryFlash(encrypted), NvsTestData.Key64);
        var blob = storage.OpenHandle("ns7", readWrite: false).GetBlob("b5");
        double mountMs = sw.Elapsed.TotalMilliseconds;

        int usedPages = dump.Pages.Count(p => p.State is NvsPageState.Active or NvsPageState.Full);
        output.WriteLine($"{keys} keys, {text.Length / 1024} KiB of CSV, {usedPages} of {size / 4096} pages used");
        output.WriteLine($"generate plaintext: {generateMs:F1} ms; generate + XTS-encrypt: {encryptMs:F1} ms; read+decrypt+verify dump: {readMs:F1} ms; device-style mount + blob read: {mountMs:F1} ms");
        Assert.Equal(keys, dump.Items.Count);
        Assert.Empty(dump.Issues);
        Assert.Equal(6005, blob.Length);
        Assert.Equal("ff2d02bd251bc2572a956f73bb1673b051e80b628260b6af0f4e83041ccb45f1", NvsTestData.Sha256(plain));
        Assert.Equal("3e3f91f232a97bae26be1bf0419501e327e0af9cb57c9d87519ab4a55ac9dedc", NvsTestData.Sha256(encrypted));
    }
}
