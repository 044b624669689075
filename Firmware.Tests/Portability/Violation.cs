namespace Firmware.Portability;

/// <summary>One use of something the nanoFramework device build doesn't have.</summary>
public sealed record Violation(string File, int Line, string Rule, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Rule}: {Message}";
}
