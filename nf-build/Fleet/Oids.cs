namespace NfBuild.Fleet;

/// <summary>OIDs used by the fleet PKI.</summary>
internal static class Oids
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public const string CommonName = "2.5.4.3";
}
