namespace NfBuild.Image;

/// <summary>One Kconfig assignment: <c>CONFIG_X=value</c> (y, n, a number, or a quoted string), with why we set it.</summary>
public sealed record KconfigSetting(string Symbol, string Value, string Reason)
{
    public string Line => $"{Symbol}={Value}";
}
