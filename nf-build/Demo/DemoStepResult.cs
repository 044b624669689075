namespace NfBuild.Demo;

public enum DemoOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One row of the demo's summary.</summary>
public sealed record DemoStepResult(string Step, DemoOutcome Outcome, TimeSpan Elapsed, string Detail)
{
    public string Result => Outcome switch { DemoOutcome.Passed => "passed", DemoOutcome.Failed => "failed", _ => "skipped" };
}

/// <summary>What the whole demo did.</summary>
public sealed record DemoReport(IReadOnlyList<DemoStepResult> Steps, TimeSpan Total, string Directory, bool Kept)
{
    public bool Passed => Steps.Count > 0 && Steps.All(s => s.Outcome == DemoOutcome.Passed);
}

/// <summary>A step's check did not hold: the step fails with this message as its detail.</summary>
public sealed class DemoStepException(string message) : Exception(message);
