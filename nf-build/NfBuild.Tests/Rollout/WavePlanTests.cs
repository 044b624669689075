using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using NfBuild.Backend;
using Xunit;

namespace NfBuild.Tests.Rollout;

/// <summary>Waves of a staged rollout: splitting, the waves' rule, and what a status report says about a device's outcome.</summary>
public class WavePlanTests
{
    private static List<string> Ids(int n) => Enumerable.Range(1, n).Select(i => $"d-{i}").ToList();

    [Theory]
    [InlineData(5, "25,100", new[] { 2, 3 })]
    [InlineData(10, "5,25,100", new[] { 1, 2, 7 })]
    [InlineData(2, "5,25,100", new[] { 1, 0, 1 })]
    [InlineData(1, "5,25,100", new[] { 1, 0, 0 })]
    [InlineData(7, "100", new[] { 7 })]
    [InlineData(200, "1,10,50,100", new[] { 2, 18, 80, 100 })]
    public void Split_gives_each_device_to_exactly_one_wave_in_order_with_cumulative_ceilings(int devices, string waves, int[] sizes)
    {
        var ids = Ids(devices);
        var plan = WavePlan.Split(ids, WavePlan.Parse(waves));
        Assert.Equal(sizes, plan.Select(w => w.Count));
        Assert.Equal(ids, plan.SelectMany(w => w));
    }

    [Theory]
    [InlineData("25,10,100")]
    [InlineData("5,25")]
    [InlineData("0,100")]
    [InlineData("50,50,100")]
    [InlineData("50,101")]
    [InlineData("")]
    public void Waves_that_are_not_ascending_percentages_ending_with_100_are_refused(string waves)
    {
        var ex = Assert.Throws<BackendException>(() => WavePlan.Parse(waves));
        Assert.Contains(waves.Length == 0 ? "is not a percentage" : WavePlan.Rule, ex.Message);
    }

    [Fact]
    public void Waves_parse_with_spaces_and_refuse_words()
    {
        Assert.Equal([5, 25, 100], WavePlan.Parse(" 5, 25 ,100"));
        Assert.Contains("--waves: 'half' is not a percentage", Assert.Throws<BackendException>(() => WavePlan.Parse("half,100")).Message);
        Assert.Contains("--waves: '-5' is not a percentage", Assert.Throws<BackendException>(() => WavePlan.Parse("-5,100")).Message);
    }

    [Fact]
    public void Options_refuse_a_rate_outside_0_to_1_and_a_timeout_that_is_not_positive()
    {
        new WaveRolloutOptions { Waves = [100], AbortFailureRate = 0, WaveTimeout = TimeSpan.FromSeconds(1) }.Check();
        Assert.Throws<BackendException>(() => new WaveRolloutOptions { Waves = [100], AbortFailureRate = 1.5, WaveTimeout = TimeSpan.FromSeconds(1) }.Check());
        Assert.Throws<BackendException>(() => new WaveRolloutOptions { Waves = [100], AbortFailureRate = double.NaN, WaveTimeout = TimeSpan.FromSeconds(1) }.Check());
        Assert.Throws<BackendException>(() => new WaveRolloutOptions { Waves = [100], AbortFailureRate = 0, WaveTimeout = TimeSpan.Zero }.Check());
        Assert.Throws<BackendException>(() => new WaveRolloutOptions { Waves = [50], AbortFailureRate = 0, WaveTimeout = TimeSpan.FromSeconds(1) }.Check());
    }

    private static StatusReport Report(string state, string version, string ota) => new() { State = state, Version = version, Ota = ota };

    [Fact]
    public void A_device_counts_as_confirmed_only_online_on_the_new_version_and_as_failed_on_rollback_rejection_or_failure()
    {
        Assert.Equal(OtaWords.Confirmed, WaveOutcome.Of(Report("online", "1.1.0", OtaWords.Confirmed), "1.1.0"));
        // Confirmed an older version (its status before the update) or offline: not an outcome of this release yet.
        Assert.Null(WaveOutcome.Of(Report("online", "1.0.0", OtaWords.Confirmed), "1.1.0"));
        Assert.Null(WaveOutcome.Of(Report("offline", "1.1.0", OtaWords.Confirmed), "1.1.0"));
        Assert.Equal(OtaWords.RolledBack, WaveOutcome.Of(Report("online", "1.0.0", OtaWords.RolledBack), "1.1.0"));
        Assert.Equal("rejected:not-newer", WaveOutcome.Of(Report("online", "1.0.0", OtaWords.RejectedPrefix + OtaWords.NotNewer), "1.1.0"));
        Assert.Equal("rejected:not-newer", WaveOutcome.Of(Report("online", "1.2.0", OtaWords.RejectedPrefix + OtaWords.NotNewer), "1.1.0")); // runs a newer one
        // Already on this release (a rollout run again): a success, not a failure.
        Assert.Equal(WaveOutcome.AlreadyRunning, WaveOutcome.Of(Report("online", "1.1.0", OtaWords.RejectedPrefix + OtaWords.NotNewer), "1.1.0"));
        Assert.True(WaveOutcome.IsSuccess(WaveOutcome.AlreadyRunning));
        Assert.False(WaveOutcome.IsSuccess(OtaWords.RolledBack));
        Assert.Equal("failed:download", WaveOutcome.Of(Report("online", "1.0.0", "failed:download"), "1.1.0"));
        foreach (var working in new[] { OtaWords.Accepted, OtaWords.Downloading, OtaWords.Verifying, OtaWords.Rebooting, OtaWords.None })
            Assert.Null(WaveOutcome.Of(Report("online", "1.0.0", working), "1.1.0"));
    }
}
