using NfBuild.Backend;
using Xunit;

namespace NfBuild.Tests.Backend;

/// <summary>
/// [Fact] that is skipped, with the reason, when rabbitmq-server is not installed on a developer's machine.
/// Under CI (CI=true, where .ci/run installs it) it is never skipped: a missing broker fails the run instead of
/// letting every broker test pass by not running.
/// </summary>
public sealed class RabbitFactAttribute : FactAttribute
{
    public RabbitFactAttribute()
    {
        if (RabbitAvailability.SkipReason() is { } reason)
            Skip = reason;
    }
}

public sealed class RabbitTheoryAttribute : TheoryAttribute
{
    public RabbitTheoryAttribute()
    {
        if (RabbitAvailability.SkipReason() is { } reason)
            Skip = reason;
    }
}

public static class RabbitAvailability
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? SkipReason() =>
        RabbitMqNode.IsInstalled() || IsCi ? null : "needs RabbitMQ: " + RabbitMqNode.NotInstalledMessage;
}

/// <summary>One test fleet and both broker nodes, started once for the whole collection (node start takes seconds).
/// Node names are the fleet's own (random suffix recorded on first start), so parallel runs never share one.</summary>
public sealed class BackendFixture : IAsyncLifetime
{
    public TestFleet Fleet { get; } = new();
    public RabbitMqBackend Backend => _backend ?? throw new InvalidOperationException("RabbitMQ is not running: " + (_startError ?? "not installed"));
    public RabbitMqConfigWriter.Result Written { get; private set; } = null!;
    private RabbitMqBackend? _backend;
    private string? _startError;

    public async Task InitializeAsync()
    {
        Written = RabbitMqConfigWriter.Write(Fleet.FleetDir);
        if (!RabbitMqNode.IsInstalled())
            return;
        try
        {
            _backend = await RabbitMqBackend.StartAsync(Fleet.FleetDir);
        }
        catch (BackendException ex)
        {
            _startError = ex.Message;
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_backend is not null)
            await _backend.DisposeAsync();
        Fleet.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BackendCollection : ICollectionFixture<BackendFixture>
{
    public const string Name = "RabbitMQ backend";
}
