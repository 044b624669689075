namespace NfBuild.Cli;

/// <summary>A command line that parsed but makes no sense (e.g. a key file of the wrong size).</summary>
public sealed class CliUsageException(string message) : Exception(message);
