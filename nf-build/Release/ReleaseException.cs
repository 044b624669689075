namespace NfBuild.Release;

/// <summary>A release operation refused or failed; the message names what and where (the CLI prints it as its one <c>error:</c> line).</summary>
public sealed class ReleaseException : Exception
{
    public ReleaseException(string message) : base(message) { }
    public ReleaseException(string message, Exception inner) : base(message, inner) { }
}
