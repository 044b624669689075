namespace NfBuild.Fleet;

/// <summary>
/// A fleet operation that cannot be done as asked (no fleet, duplicate device, bad id, missing file…).
/// The message names what and where, so the CLI prints it as its one <c>error:</c> line.
/// </summary>
public sealed class FleetException : Exception
{
    public FleetException(string message) : base(message) { }
    public FleetException(string message, Exception inner) : base(message, inner) { }
}
