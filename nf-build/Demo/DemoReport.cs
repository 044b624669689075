namespace NfBuild.Demo;

/// <summary>What the whole demo did.</summary>
public sealed record DemoReport(IReadOnlyList<DemoStepResult> Steps, TimeSpan Total, string Directory, bool Kept)
{
    public bool Passed => Steps.Count > 0 && Steps.All(s => s.Outcome == DemoOutcome.Passed);
}
