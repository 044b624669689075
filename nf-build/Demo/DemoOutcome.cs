namespace NfBuild.Demo;

/// <summary>The result of one demo step.</summary>
public enum DemoOutcome
{
    Passed,
    Failed,
    Skipped,
}
