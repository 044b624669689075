namespace NfBuild.Demo;

/// <summary>One row of the demo's summary.</summary>
public sealed record DemoStepResult(string Step, DemoOutcome Outcome, TimeSpan Elapsed, string Detail)
{
    public string Result => Outcome switch { DemoOutcome.Passed => "passed", DemoOutcome.Failed => "failed", _ => "skipped" };
}
