using System.Diagnostics;

namespace NfBuild.Renewal;

/// <summary>
/// Where the renewal authority's time goes, summed over every request (thread-safe counters; Stopwatch ticks): the
/// registry read, the proof-of-possession check, the CA, the CSR checks and signing, the pending write. For benchmarks
/// (`fleet simulate --scenario renew` prints it); no behaviour depends on it.
/// </summary>
public sealed class RenewalTimings
{
    public enum Step { RegistryRead, PopVerify, CaOpen, IssueCertificate, PendingWrite, Commit }

    private readonly long[] _ticks = new long[Enum.GetValues<Step>().Length];
    private readonly long[] _counts = new long[Enum.GetValues<Step>().Length];
    private long _standing, _renew, _requestTicks;

    public long Start() => Stopwatch.GetTimestamp();

    public void Add(Step step, long started)
    {
        Interlocked.Add(ref _ticks[(int)step], Stopwatch.GetTimestamp() - started);
        Interlocked.Increment(ref _counts[(int)step]);
    }

    public void Request(bool renew, long started)
    {
        Interlocked.Add(ref _requestTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Increment(ref renew ? ref _renew : ref _standing);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>One line: requests, mean per request, and per step the mean and the count.</summary>
    public string Summary()
    {
        long requests = Interlocked.Read(ref _standing) + Interlocked.Read(ref _renew);
        var parts = Enum.GetValues<Step>().Where(s => Interlocked.Read(ref _counts[(int)s]) > 0)
            .Select(s => $"{s} {Ms(Interlocked.Read(ref _ticks[(int)s])) / Interlocked.Read(ref _counts[(int)s]):F1} ms x{Interlocked.Read(ref _counts[(int)s])}");
        return $"authority: {requests} requests ({_standing} standing, {_renew} renew), {(requests == 0 ? 0 : Ms(_requestTicks) / requests):F1} ms each; "
            + string.Join(", ", parts);
    }
}
