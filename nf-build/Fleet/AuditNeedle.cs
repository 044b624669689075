namespace NfBuild.Fleet;

/// <summary>One byte pattern the audit looks for, with a name saying which secret in which form.</summary>
public sealed record AuditNeedle(string Name, byte[] Bytes);
