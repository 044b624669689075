namespace NfBuild.Backend;

/// <summary>A backend operation that cannot proceed: bad fleet files, a broker that did not start, a failed rabbitmqctl call.
/// The message is one line a user can act on.</summary>
public sealed class BackendException(string message, Exception? inner = null) : Exception(message, inner);
