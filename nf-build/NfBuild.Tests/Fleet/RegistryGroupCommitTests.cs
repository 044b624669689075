using NfBuild.Fleet;
using Xunit;

namespace NfBuild.Tests.Fleet;

/// <summary>DeviceRegistry's group commit and parse cache: concurrent changes all land, a failing change fails alone,
/// a change written by someone else (another process) is seen by the next read.</summary>
public sealed class RegistryGroupCommitTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "registry-group-" + Guid.NewGuid().ToString("N"));
    private readonly FleetDirectory _fleet;

    public RegistryGroupCommitTests()
    {
        _fleet = FleetInitializer.Create(_root, new FleetInitOptions());
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = "dev-a", NotAfter = DateTimeOffset.UtcNow.AddYears(1) });
        _fleet = FleetDirectory.Open(_root);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static DeviceRecord Record(string id) => new() { Id = id, Serial = "01", Serials = ["01"], AddedUtc = DateTimeOffset.UtcNow };

    [Fact]
    public void Concurrent_changes_all_land_and_a_failing_one_fails_alone()
    {
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            try
            {
                // Every tenth adds a duplicate id: refused, the others of its group are still written.
                _fleet.Registry.Add(Record(i % 10 == 9 ? "dev-a" : $"dev-{i:D2}"));
            }
            catch (FleetException e)
            {
                errors.Add(e);
            }
        });
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.Contains("already in the registry", e.Message));
        var ids = _fleet.Registry.Load().Devices.Select(d => d.Id).ToHashSet();
        Assert.Equal(37, ids.Count); // dev-a + 36 new
    }

    [Fact]
    public void Reads_see_a_file_replaced_behind_the_cache_and_get_copies()
    {
        var first = _fleet.Registry.Get("dev-a")!;
        first.Serial = "ff"; // a caller changing its copy changes nothing shared
        Assert.NotEqual("ff", _fleet.Registry.Get("dev-a")!.Serial);

        // Another process rewrites the file: same tool, fresh parse by content.
        string json = File.ReadAllText(_fleet.Registry.Path).Replace("\"dev-a\"", "\"dev-z\"");
        File.WriteAllText(_fleet.Registry.Path, json);
        Assert.Null(_fleet.Registry.Get("dev-a"));
        Assert.NotNull(_fleet.Registry.Get("dev-z"));
    }
}
