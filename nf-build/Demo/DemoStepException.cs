namespace NfBuild.Demo;

/// <summary>A step's check did not hold: the step fails with this message as its detail.</summary>
public sealed class DemoStepException(string message) : Exception(message);
