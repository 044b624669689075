using System.Threading.Channels;

namespace NfBuild.Renewal;

/// <summary>
/// Collects the status messages of the commit feed for a short window and commits them together
/// (<see cref="RenewalAuthority.HandleStatuses"/>): one CRL re-signing, one fallback-password write (one
/// rabbitmqctl import_definitions on RabbitMQ, 1–2 s whatever the batch size) and one registry update per batch.
/// <see cref="SubmitAsync"/> returns at once with a task that completes when the message's batch is committed (or
/// fails with the batch's error), so the transport acks the message only then and never blocks its consumer on it.
/// </summary>
public sealed class RenewalCommitBatcher : IAsyncDisposable
{
    private readonly RenewalAuthority _authority;
    private readonly TimeSpan _window;
    private readonly int _maxBatch;
    private readonly Action<string> _log;
    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    private sealed record Item(string DeviceId, byte[] Payload, TaskCompletionSource<bool> Done);

    /// <param name="window">How long a batch collects after its first message (default 200 ms).</param>
    /// <param name="maxBatch">A batch is committed at once when it has this many messages (default 500).</param>
    public RenewalCommitBatcher(RenewalAuthority authority, TimeSpan? window = null, int maxBatch = 500, Action<string>? log = null)
    {
        _authority = authority;
        _window = window ?? TimeSpan.FromMilliseconds(200);
        _maxBatch = maxBatch;
        _log = log ?? (_ => { });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Batches committed so far, and the messages they held.</summary>
    public int Batches => _batches;
    public int Messages => _messages;
    private int _batches, _messages;

    /// <summary>Queues one status message; the task's result is whether it committed its device.</summary>
    public Task<bool> SubmitAsync(string deviceId, byte[] payload)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_items.Writer.TryWrite(new Item(deviceId, payload, done)))
            done.SetException(new ObjectDisposedException(nameof(RenewalCommitBatcher)));
        return done.Task;
    }

    private async Task LoopAsync()
    {
        var reader = _items.Reader;
        var batch = new List<Item>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var deadline = DateTime.UtcNow + _window;
            while (batch.Count < _maxBatch)
            {
                if (reader.TryRead(out var item))
                {
                    batch.Add(item);
                    continue;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    break;
                using var wait = new CancellationTokenSource(left);
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (batch.Count == 0)
                continue;
            Commit(batch);
        }
    }

    private void Commit(List<Item> batch)
    {
        try
        {
            var started = DateTime.UtcNow;
            var committed = _authority.HandleStatuses(batch.Select(i => new KeyValuePair<string, byte[]>(i.DeviceId, i.Payload)).ToList()).ToHashSet(StringComparer.Ordinal);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _messages, batch.Count);
            if (committed.Count > 0)
                _log($"commit batch: {batch.Count} status messages, {committed.Count} committed in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");
            foreach (var item in batch)
                item.Done.TrySetResult(committed.Contains(item.DeviceId));
        }
        catch (Exception ex)
        {
            _log($"commit batch of {batch.Count} failed: {ex.Message}");
            foreach (var item in batch)
                item.Done.TrySetException(ex);
        }
    }

    /// <summary>Commits what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
