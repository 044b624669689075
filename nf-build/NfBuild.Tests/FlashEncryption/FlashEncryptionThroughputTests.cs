using System.Diagnostics;
using Esp32.Formats.FlashEncryption;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.FlashEncryption;

/// <summary>Measures (does not assert) how fast a whole 4 MB flash image encrypts; the target is well under 0.5 s.</summary>
public class FlashEncryptionThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Encrypt4MB_ReportsThroughput()
    {
        var image = new byte[4 << 20];
        new Random(7).NextBytes(image);
        var key = Esp32FlashCipherTests.Sequence(32);
        byte[]? reference = null;
        foreach (var backend in Esp32FlashCipherTests.AvailableBackends())
        {
            using var cipher = new Esp32FlashCipher(key, 0xF, backend);
            cipher.Encrypt(0, image.AsSpan(0, 64 * 1024)); // warm-up (JIT, OpenSSL init)

            var sw = Stopwatch.StartNew();
            var encrypted = cipher.Encrypt(0, image);
            sw.Stop();
            output.WriteLine($"{backend}: Encrypt 4 MiB ({(backend == FlashAesBackend.SystemCryptography ? $"{Environment.ProcessorCount} cores" : "one core")}) in {sw.Elapsed.TotalMilliseconds:F1} ms = {4 / sw.Elapsed.TotalSeconds:F1} MiB/s");

            var copy = (byte[])image.Clone();
            sw.Restart();
            cipher.EncryptInPlace(0, copy);
            sw.Stop();
            output.WriteLine($"{backend}: EncryptInPlace (one core) 4 MiB in {sw.Elapsed.TotalMilliseconds:F1} ms = {4 / sw.Elapsed.TotalSeconds:F1} MiB/s");

            Assert.Equal(encrypted, copy);
            reference ??= encrypted;
            Assert.Equal(reference, encrypted);
        }
    }
}
