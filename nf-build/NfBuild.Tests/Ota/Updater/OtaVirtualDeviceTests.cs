using System.Diagnostics;
using Esp32.Formats.Ota;
using Esp32.Virtual;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>
/// The firmware core's OTA machine on a virtual Lolin32 (flash encryption, NVS encryption, anti-rollback)
/// against a real HTTPS server: real TLS, real ECDSA release signatures, real app images and esp_ota_* rules.
/// </summary>
public class OtaVirtualDeviceTests(OtaFixture fx, ITestOutputHelper output) : IClassFixture<OtaFixture>
{
    [Fact]
    public void TwoReleases_GoToTheOtherPairEachTime_AndConfirm()
    {
        OtaBench bench = fx.NewBench(SecuritySettings.Secure);
        Assert.Equal("1.0.0", bench.RunningVersion);

        List<string> words = bench.Update(fx.V110);
        Assert.Equal(["accepted", "downloading", "downloaded", "verifying", "rebooting"], words.Take(5));
        Assert.Contains("confirmed", words);
        Assert.Equal("1.1.0", bench.RunningVersion);
        Assert.Equal(1, bench.RunningPair);
        Assert.Null(bench.PairProblem());
        Assert.Equal(Esp32.Formats.Ota.OtaImageState.Valid, bench.Chip.Ota.RunningState);
        Assert.Equal(1, bench.Chip.Efuses.ReadSecureVersion()); // anti-rollback floor raised on confirmation
        Assert.Equal("confirmed", bench.Updater.Status);
        Assert.True(bench.Host.TlsPeakWhileDownloading <= 1);

        bench.Update(fx.V120);
        Assert.Equal("1.2.0", bench.RunningVersion);
        Assert.Equal(0, bench.RunningPair);
        Assert.Null(bench.PairProblem());
        Assert.Equal("1.2.0", bench.Store.GetString("iotdev", "rel_0"));
        Assert.Equal("1.1.0", bench.Store.GetString("iotdev", "rel_1"));

        // Flash encryption: no plaintext of the new app or managed code in a dump.
        byte[] dump = bench.Chip.Flash.Dump();
        Assert.False(Virtual.TestDevices.Contains(dump, fx.V120.App.AsSpan(0x1000, 64).ToArray()));
        Assert.False(Virtual.TestDevices.Contains(dump, fx.V120.Deploy.AsSpan(0x2000, 64).ToArray()));

        // Replaying the older, validly signed release is refused before anything is erased.
        int ops = bench.Chip.Flash.Io.EraseCount;
        bench.Updater.Trigger(fx.V110.ManifestUrl);
        bench.Run();
        Assert.Equal("rejected:not-newer", bench.Updater.Status);
        Assert.Equal("1.2.0", bench.RunningVersion);
    }

    [Fact]
    public void SelfTestFails_RollsBackByItself()
    {
        OtaBench bench = fx.NewBench(SecuritySettings.Secure);
        bench.Know(fx.V110);
        Assert.True(bench.Updater.Trigger(fx.V110.ManifestUrl));
        Assert.Equal("reboot", bench.Run());
        Assert.Equal("1.1.0", bench.RunningVersion);
        Assert.Equal(Esp32.Formats.Ota.OtaImageState.PendingVerify, bench.Chip.Ota.RunningState);

        bench.PrimaryReachable = false; // the new firmware never gets its status onto the primary
        Assert.Equal("reboot", bench.Run());

        Assert.Equal("1.0.0", bench.RunningVersion);
        Assert.Equal(0, bench.RunningPair);
        Assert.Null(bench.PairProblem());
        Assert.Equal(0, bench.Chip.Efuses.ReadSecureVersion()); // never confirmed: the floor did not move
        bench.PrimaryReachable = true;
        bench.Run();
        Assert.Equal("rolled-back", bench.Updater.Status);
    }

    [Fact]
    public void AnAppImageThatDoesNotVerify_IsNeverBooted()
    {
        OtaBench bench = fx.NewBench(SecuritySettings.Secure);
        // Signed and hash-consistent, but the image's own checksum is wrong (a release-tool bug): esp_ota_end refuses it.
        TestRelease broken = OtaBench.MakeRelease(fx.Server, fx.ReleaseKey, "1.1.1", secureVersion: 1, tamperApp: app =>
        {
            app[0x1000] ^= 0x01;
            return app;
        });
        bench.Know(broken);
        bench.Updater.Trigger(broken.ManifestUrl);
        Assert.Equal("idle", bench.Run());
        Assert.Equal("rejected:app-image-invalid", bench.Updater.Status);
        Assert.Equal("1.0.0", bench.Chip.Reboot().RunningVersion);
    }

    [Fact]
    public void AnImageCorruptedInFlashAfterTheSwitch_IsNotBooted_TheOldPairReportsTheRollback()
    {
        OtaBench bench = fx.NewBench(SecuritySettings.Plain);
        bench.Know(fx.V110);
        bench.Updater.Trigger(fx.V110.ManifestUrl);
        // run until the boot slot is set, then flip a bit of ota_1 before the reboot happens
        while (bench.Updater.Phase != OtaPhase.Rebooting)
            Assert.NotEqual("idle", bench.Run(1));
        var slot = bench.Chip.Ota.SlotPartition(1);
        var b = new byte[16];
        slot.Read(0x2000, b);
        int bit = Array.FindIndex(b, x => (x & 1) != 0);
        b[bit] &= 0xFE; // NOR: clearing a bit needs no erase
        slot.Write(0x2000, b);
        Assert.Equal("reboot", bench.Run());

        Assert.Equal("1.0.0", bench.RunningVersion);
        Assert.Null(bench.PairProblem());
        bench.Run();
        Assert.Equal("rolled-back", bench.Updater.Status);
    }

    [Fact]
    public void DownloadInterruptedAtRandomOffsets_ResumesWithRanges_SameHashes()
    {
        OtaBench bench = fx.NewBench(SecuritySettings.Secure);
        var random = new Random(1234);
        var drops = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            int a = random.Next(1, fx.V110.App.Length), d = random.Next(1, fx.V110.Deploy.Length);
            fx.Server.DropAt("releases/1.1.0/app.bin", a);
            fx.Server.DropAt("releases/1.1.0/deploy.bin", d);
            drops.Add($"app@{a}");
            drops.Add($"deploy@{d}");
        }
        int before = fx.Server.RangeLog.Count;
        bench.Update(fx.V110);

        Assert.Equal("1.1.0", bench.RunningVersion);
        Assert.Null(bench.PairProblem());
        var slot1 = new byte[fx.V110.App.Length];
        bench.Chip.Ota.SlotPartition(1).Read(0, slot1);
        Assert.Equal(fx.V110.App, slot1);
        string[] ranges = fx.Server.RangeLog.Skip(before).ToArray();
        output.WriteLine("drops: " + string.Join(", ", drops) + "; resumed: " + string.Join(", ", ranges));
        output.WriteLine(string.Join("\n", bench.Log));
        Assert.True(ranges.Length >= 4, "resumed with Range requests: " + string.Join(", ", ranges));
        Assert.All(ranges, r => Assert.Equal(0, int.Parse(r.Split(' ')[1]) % 4096)); // at the written, chunk-aligned offset
    }

    [Fact]
    public void PowerCutAfterEveryFlashWriteAndErase_EndsInAVerifiedPair()
    {
        var sw = Stopwatch.StartNew();
        int covered = 0;
        // 512-byte chunks: a flash write every 512 bytes, so more cut points inside the streaming.
        covered += Sweep(SecuritySettings.Plain, null, fx.V110, 512);
        covered += Sweep(SecuritySettings.Plain, fx.V110, fx.V120, 512); // the second release goes back to pair 0
        covered += Sweep(SecuritySettings.Secure, null, fx.V110, 4096);  // flash + NVS encryption, anti-rollback
        output.WriteLine($"power-cut sweep: {covered} cut points, {sw.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine($"OTA power-cut sweep: {covered} cut points covered in {sw.Elapsed.TotalSeconds:0.0} s");
        Assert.True(covered >= 1000, $"only {covered} cut points");
    }

    /// <summary>Update 1.0.0 -> <paramref name="release"/> with a cut after flash operation k, for every k the uncut update performs (download, boot-slot switch, trial boot, confirmation).</summary>
    private int Sweep(SecuritySettings settings, TestRelease? installed, TestRelease release, int chunk)
    {
        OtaBench reference = fx.NewBench(settings);
        if (installed is not null)
            reference.Update(installed);
        string from = reference.RunningVersion;
        byte[] baseline = reference.Chip.Flash.Dump();
        string efuses = Esp32.Formats.Efuse.Esp32EfuseFile.ToJson(reference.Chip.Efuses);
        reference.ChunkSize = chunk;
        reference.StartFirmware();
        reference.Chip.Flash.Io.ResetCount();
        reference.Update(release);
        Assert.Equal(release.Version, reference.RunningVersion);
        int operations = reference.Chip.Flash.Io.OperationCount;
        reference.Shutdown();

        int outcomesNew = 0, outcomesOld = 0;
        for (int cut = 1; cut <= operations; cut++)
        {
            var chip = new VirtualEsp32(Esp32.Virtual.FlashChip.FromImage((byte[])baseline.Clone()), Esp32.Formats.Efuse.Esp32EfuseFile.FromJson(efuses), settings);
            chip.PowerOn();
            OtaBench bench = fx.BenchFor(chip, settings);
            bench.ChunkSize = chunk;
            bench.StartFirmware();
            chip.CutPowerAfter(cut);
            bool wasCut = false;
            try
            {
                bench.Update(release);
            }
            catch (Esp32.Formats.Flash.PowerCutException)
            {
                wasCut = true;
            }
            Assert.True(wasCut, $"cut {cut} of {operations} did not happen");

            chip.PowerOn();
            Assert.True(bench.PairProblem() is null, $"{settings.FlashEncryption} cut {cut}/{operations}: {bench.PairProblem()}");
            bench.StartFirmware();
            string end = bench.Run();
            for (int i = 0; i < 3 && end == "reboot"; i++)
                end = bench.Run();
            Assert.Equal("idle", end);
            if (bench.RunningVersion == from && bench.Updater.Status != "rolled-back")
            {
                // the cut hit the first progress write: the command is lost with the reboot; the operator sends it again
                bench.Update(release);
            }
            Assert.True(bench.PairProblem() is null, $"cut {cut}: {bench.PairProblem()}");
            bench.Shutdown();
            Assert.Equal(0, bench.Tls.Open); // no connection outlived its (simulated) firmware run
            if (bench.RunningVersion == release.Version)
            {
                outcomesNew++;
                Assert.True(bench.Updater.Status == "confirmed", $"cut {cut}/{operations}: status {bench.Updater.Status}\n" + string.Join("\n", bench.Log));
                Assert.Equal(Esp32.Formats.Ota.OtaImageState.Valid, chip.Ota.RunningState);
            }
            else
            {
                outcomesOld++;
                Assert.Equal(from, bench.RunningVersion);
                Assert.Equal("rolled-back", bench.Updater.Status); // a cut during the trial boot: the bootloader rolled back
            }
        }
        output.WriteLine($"{(settings.FlashEncryption ? "encrypted" : "plain")}: {operations} cut points, {outcomesNew} ended on {release.Version}, {outcomesOld} rolled back to {from}");
        return operations;
    }

    [Fact]
    public void Downloader_ServerThatIgnoresTheRange_Throws()
    {
        var tls = new TlsSessionCounter();
        using var downloader = new HttpRangeDownloader(fx.Tls.RootPublic, null, tls);
        fx.Server.IgnoreRanges = true;
        try
        {
            Assert.Throws<RangeNotHonouredException>(() => downloader.OpenAt(fx.V110.ManifestUrl.Replace("manifest.txt", "app.bin"), 4096, null));
        }
        finally
        {
            fx.Server.IgnoreRanges = false;
        }
        using var ok = downloader.OpenAt(fx.V110.ManifestUrl.Replace("manifest.txt", "app.bin"), 4096, null);
        Assert.Equal(4096, ok.Position);
        Assert.Equal(fx.V110.App.Length, ok.TotalLength);
        Assert.NotNull(ok.ETag);
        Assert.Equal(1, tls.Open);
    }

    [Fact]
    public void Downloader_KeepsOneConnectionAcrossTheRequestsOfAnUpdate_CloseConnectionsClosesIt_AnAbandonedBodyClosesIt()
    {
        using var downloader = new HttpRangeDownloader(fx.Tls.RootPublic);
        string dir = fx.V110.ManifestUrl.Replace("manifest.txt", "");
        var buffer = new byte[4096];
        foreach (string file in new[] { "manifest.txt", "manifest.sig", "app.bin", "deploy.bin" })
        {
            using var body = downloader.OpenAt(dir + file, 0, null);
            while (body.Position < body.TotalLength)
                body.Read(buffer, 0, buffer.Length);
        }
        Assert.Equal(1, downloader.ConnectionsOpened); // one TLS handshake for the four requests
        Assert.Equal(1, downloader.OpenConnections);   // kept alive
        downloader.CloseConnections();
        Assert.Equal(0, downloader.OpenConnections);   // before MQTT comes back: no HTTPS session left

        // A body given up after one chunk (a reject, a failed write) closes its connection instead of draining the rest.
        var abandoned = downloader.OpenAt(dir + "app.bin", 0, null);
        abandoned.Read(buffer, 0, buffer.Length);
        abandoned.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (downloader.OpenConnections != 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(5);
        Assert.Equal(0, downloader.OpenConnections);
        Assert.Equal(2, downloader.ConnectionsOpened);
    }

    [Fact]
    public void Downloader_StaleIfRange_Throws_InsteadOfSplicingTwoFiles()
    {
        using var downloader = new HttpRangeDownloader(fx.Tls.RootPublic);
        string url = fx.V110.ManifestUrl.Replace("manifest.txt", "deploy.bin");
        Assert.Throws<RangeNotHonouredException>(() => downloader.OpenAt(url, 100, "\"some-older-etag\""));
    }

    [Fact]
    public async Task Downloader_RefusesAServerOfAnotherCa_AndAWrongHostName()
    {
        var tls = new TlsSessionCounter();
        var other = new TestTls("Attacker Root");
        await using (var impostor = TestFirmwareServer.Start(other.Server()))
        {
            string url = impostor.Put("releases/9.9.9/manifest.txt", [1, 2, 3]);
            using var downloader = new HttpRangeDownloader(fx.Tls.RootPublic, null, tls);
            var e = Assert.ThrowsAny<HttpRequestException>(() => downloader.OpenAt(url, 0, null));
            Assert.IsType<System.Security.Authentication.AuthenticationException>(e.InnerException);
        }
        await using (var wrongName = TestFirmwareServer.Start(fx.Tls.Server("fw.other.example")))
        {
            string url = wrongName.Put("x.bin", [1, 2, 3]);
            using var downloader = new HttpRangeDownloader(fx.Tls.RootPublic, null, tls);
            Assert.ThrowsAny<HttpRequestException>(() => downloader.OpenAt(url, 0, null));
        }
        Assert.Equal(0, tls.Open);
    }
}
