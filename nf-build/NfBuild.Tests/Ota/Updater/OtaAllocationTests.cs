using NfBuild.VirtualDevice;
using IotDevice.Host.Adapters;
using System.Security.Cryptography;
using IotDevice.Core.Platform;
using IotDevice.Core.Updates;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>
/// The core's allocation budget: a whole OTA (manifest check, both parts streamed, verify, switch) allocates at
/// most 64 KB, whatever the release size. Measured with GC.GetAllocatedBytesForCurrentThread around the Tick loop,
/// with in-memory adapters that allocate nothing per chunk (so the figure is the core's, plus a few adapter objects).
/// </summary>
public class OtaAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void AWholeUpdate_AllocatesUnder64KB_IndependentOfTheReleaseSize()
    {
        // Each size twice, the smaller count kept: the runtime's own lazy work (first use of a code path after
        // tiering, static state) lands on whichever run meets it first and is not the core's.
        Measure(100_000, 50_000);
        long small = Math.Min(Measure(100_000, 50_000), Measure(100_000, 50_000));
        long middle = Math.Min(Measure(1_100_000, 300_000), Measure(1_100_000, 300_000));
        long large = Math.Min(Measure(1_600_000, 380_000), Measure(1_600_000, 380_000)); // as large as the slots allow
        output.WriteLine($"core allocations for one OTA: {small} B (150 KB release), {middle} B (1.4 MB), {large} B (1.98 MB)");
        Console.WriteLine($"OTA allocations: {small} B for a 150 KB release, {middle} B for 1.4 MB, {large} B for 1.98 MB");
        Assert.True(small <= 64 * 1024, $"{small} bytes");
        Assert.True(large <= 64 * 1024, $"{large} bytes");
        // Checkpoints are capped per part (MaxCheckpointsPerPart), so beyond ~1 MB nothing grows any more.
        Assert.True(Math.Abs(large - middle) <= 2 * 1024, $"grows with the size: {middle} -> {large}");
    }

    private static long Measure(int appSize, int deploySize)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] app = new byte[appSize];
        new Random(1).NextBytes(app);
        app[0] = 0xE9; app[12] = 0; app[13] = 0;
        BitConverter.GetBytes(0xABCD5432u).CopyTo(app, 0x20);
        BitConverter.GetBytes(0u).CopyTo(app, 0x24);
        byte[] deploy = new byte[deploySize];
        new Random(2).NextBytes(deploy);
        const string dir = "https://fw.example/releases/2.0.0/";
        byte[] manifest = new ReleaseManifest("2.0.0", 0, "lolin32",
            ReleasePart.Download("app", app.Length, Convert.ToHexStringLower(SHA256.HashData(app)), dir + "app.bin"),
            ReleasePart.Download("deploy", deploy.Length, Convert.ToHexStringLower(SHA256.HashData(deploy)), dir + "deploy.bin")).ToBytes();
        var files = new Dictionary<string, byte[]>
        {
            [dir + "manifest.txt"] = manifest,
            [dir + "manifest.sig"] = key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            [dir + "app.bin"] = app,
            [dir + "deploy.bin"] = deploy,
        };
        var store = new MemStore();
        store.SetString("iotdev", "rel_pubkey", key.ExportSubjectPublicKeyInfoPem());
        store.SetString("iotdev", "rel_0", "1.0.0");
        var flash = new MemPair();
        var updater = new OtaUpdater(new OtaSettings("lolin32", "1.0.0"), new Host(), new MemDownloader(files), flash, flash, flash, store, new HostCrypto(), new Clock(), new Rebooter(), new NoLog());
        updater.Tick(); // start-up reads NVS
        updater.Trigger(dir + "manifest.txt");
        updater.OnStatusPublished(true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            for (int i = 0; i < 100_000; i++)
            {
                updater.Tick();
                if (updater.Phase == OtaPhase.Rebooting)
                    updater.OnStatusPublished(true);
            }
        }
        catch (RebootedException)
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(flash.Selected, updater.Status);
        return allocated;
    }

    private sealed class RebootedException : Exception;

    private sealed class Rebooter : IRebooter
    {
        public void Reboot(string reason) => throw new RebootedException();
    }

    private sealed class NoLog : IDeviceLog
    {
        public void Info(string line) { }
    }

    private sealed class Clock : IClock
    {
        public DateTime UtcNow { get; } = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        public bool IsSynchronized => true;
    }

    private sealed class Host : IOtaHost
    {
        public void ReleaseNetwork() { }
        public void RestoreNetwork() { }
        public void OtaStatusChanged(string word) { }
    }

    private sealed class MemStore : ISecureStore
    {
        private readonly Dictionary<string, object> _values = [];
        public byte[]? GetBlob(string nameSpace, string key) => _values.GetValueOrDefault(key) as byte[];
        public void SetBlob(string nameSpace, string key, byte[] value) => _values[key] = value;
        public string? GetString(string nameSpace, string key) => _values.GetValueOrDefault(key) as string;
        public void SetString(string nameSpace, string key, string value) => _values[key] = value;
        public bool Erase(string nameSpace, string key) => _values.Remove(key);
    }

    private sealed class MemDownloader(Dictionary<string, byte[]> files) : IRangeDownloader
    {
        public IDownloadStream OpenAt(string url, int offset, string? ifRange) => new Stream(files[url], offset);

        public void CloseConnections() { }

        private sealed class Stream(byte[] body, int offset) : IDownloadStream
        {
            public int TotalLength => body.Length;
            public int Position { get; private set; } = offset;
            public string? ETag => "\"e\"";
            public int Read(byte[] buffer, int at, int count)
            {
                int n = Math.Min(count, body.Length - Position);
                Buffer.BlockCopy(body, Position, buffer, at, n);
                Position += n;
                return n;
            }
            public void Dispose() { }
        }
    }

    private sealed class MemPair : IOtaSlotWriter, IDeploySlots, IOtaSlots
    {
        private readonly byte[][] _app = [new byte[0x190000], new byte[0x190000]];
        private readonly byte[][] _deploy = [new byte[0x5D000], new byte[0x5D000]];
        private int _pos;
        public bool Selected { get; private set; }
        public int InactiveSlot => 1;
        int IOtaSlotWriter.SlotSize => _app[1].Length;
        public void Begin(int imageSize) => _pos = 0;
        public void Resume(int imageSize, int offset) => _pos = offset;
        public void Write(byte[] buffer, int offset, int count) { Buffer.BlockCopy(buffer, offset, _app[1], _pos, count); _pos += count; }
        public bool End() => true;
        public bool SetBootSlot() => Selected = true;
        public void Abort() { }
        void IOtaSlotWriter.Read(int slot, int offset, byte[] buffer, int count) => Buffer.BlockCopy(_app[slot], offset, buffer, 0, count);
        int IDeploySlots.SlotSize(int slot) => _deploy[slot].Length;
        public void Erase(int slot, int offset, int length) { }
        void IDeploySlots.Write(int slot, int offset, byte[] buffer, int count) => Buffer.BlockCopy(buffer, 0, _deploy[slot], offset, count);
        void IDeploySlots.Read(int slot, int offset, byte[] buffer, int count) => Buffer.BlockCopy(_deploy[slot], offset, buffer, 0, count);
        public int RunningSlot => 0;
        public IotDevice.Core.Platform.OtaImageState RunningState => IotDevice.Core.Platform.OtaImageState.Valid;
        public int SecureVersionFloor => 0;
        public void MarkRunningValid() { }
        public void MarkRunningInvalidAndReboot() { }
    }
}
