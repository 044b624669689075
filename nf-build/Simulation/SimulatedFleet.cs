using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using NfBuild.Fleet;
using NfBuild.VirtualDevice;

namespace NfBuild.Simulation;

/// <summary>What bulk provisioning cost.</summary>
public sealed record ProvisioningCost(int Devices, TimeSpan Identities, TimeSpan Chips, long FlashResidentBytes, long ManagedBytesAfter);

/// <summary>
/// Bulk provisioning of a simulation's devices: N new ids <c>sim-&lt;run&gt;-&lt;n&gt;</c> (a fresh run prefix each time: ids are
/// never reused in a fleet), identities through <see cref="DeviceProvisioning.AddDevices"/> (parallel, one registry update),
/// then each device's virtual Lolin32 through <see cref="VirtualProvisioner.ProvisionInMemory"/> in parallel (the board
/// provisioning plan with flash and NVS encryption, on a sparse chip). The bundle (it holds the key) is deleted once the
/// chip is built, as the README asks of every provisioned device.
/// </summary>
public static class SimulatedFleet
{
    public static string NewRunPrefix() => "sim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public static (List<(string Id, Esp32.Virtual.VirtualEsp32 Chip)> Chips, ProvisioningCost Cost) Provision(
        FleetDirectory fleet, string prefix, int count, DateTimeOffset notAfter, int parallelism, Action<string> log)
    {
        var ids = Enumerable.Range(1, count).Select(i => $"{prefix}-{i.ToString("D4", CultureInfo.InvariantCulture)}").ToList();
        var sw = Stopwatch.StartNew();
        DeviceProvisioning.AddDevices(fleet, ids.Select(id => new AddDeviceOptions { DeviceId = id, NotAfter = notAfter }).ToList(), parallelism);
        var identities = sw.Elapsed;
        log($"provisioning: {count} identities (key, certificate, fallback password, registry) in {identities.TotalSeconds:F1} s");
        sw.Restart();
        var chips = new Esp32.Virtual.VirtualEsp32[count];
        int done = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            chips[i] = VirtualProvisioner.ProvisionInMemory(fleet.Root, ids[i]);
            Directory.Delete(fleet.DeviceBundleDirectory(ids[i]), recursive: true);
            int n = Interlocked.Increment(ref done);
            if (n % 250 == 0 && n < count)
                log($"provisioning: {n}/{count} chips");
        });
        var chipTime = sw.Elapsed;
        long flash = chips.Sum(c => c.Flash.ResidentBytes);
        GC.Collect();
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        log($"provisioning: {count} virtual Lolin32s (flash + NVS encryption) in {chipTime.TotalSeconds:F1} s; flash held {flash / 1024.0 / count:F0} KB per device (sparse, of 4096 KB)");
        return (ids.Zip(chips).ToList(), new ProvisioningCost(count, identities, chipTime, flash, managed));
    }
}
