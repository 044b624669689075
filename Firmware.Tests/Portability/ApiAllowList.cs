namespace Firmware.Portability;

/// <summary>
/// The nanoFramework API the device code may use, read from nanoframework-api.txt:
/// <code>
/// # comment (name the upstream repository and file each group comes from)
/// System.String: Length, Substring, IndexOf   ← the type and these members (all overloads)
/// System.IDisposable                          ← the type only
/// </code>
/// Constructors are written <c>.ctor</c>, indexers <c>this[]</c>, operators by their metadata name
/// (<c>op_Equality</c>).
/// </summary>
public sealed class ApiAllowList
{
    private readonly HashSet<string> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);

    public static ApiAllowList Parse(string text, string sourceName = "allow-list")
    {
        var list = new ApiAllowList();
        int lineNo = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.Trim();
            int hash = line.IndexOf('#');
            if (hash >= 0)
                line = line[..hash].Trim();
            if (line.Length == 0)
                continue;
            string[] parts = line.Split(':', 2);
            string type = parts[0].Trim();
            if (type.Length == 0 || type.Contains(' ') || !type.Contains('.'))
                throw new FormatException($"{sourceName}:{lineNo}: '{type}' is not a namespace-qualified type name");
            if (!list._types.Add(type) && parts.Length == 1)
                throw new FormatException($"{sourceName}:{lineNo}: {type} is listed twice");
            if (parts.Length == 2)
            {
                foreach (string m in parts[1].Split(','))
                {
                    string member = m.Trim();
                    if (member.Length == 0)
                        throw new FormatException($"{sourceName}:{lineNo}: empty member name after {type}");
                    if (!list._members.Add(type + "." + member))
                        throw new FormatException($"{sourceName}:{lineNo}: {type}.{member} is listed twice");
                }
            }
        }
        return list;
    }

    public static ApiAllowList Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>
    /// The allow-list the device code is held to: nanoframework-api.txt (every nanoFramework package but
    /// mscorlib) plus the public API of the real nanoFramework mscorlib.dll (<see cref="MscorlibApi"/>).
    /// </summary>
    public static ApiAllowList LoadForDevice()
    {
        var list = Load(Path.Combine(DeviceSources.RepoRoot, "Firmware.Tests/Portability/nanoframework-api.txt"));
        MscorlibApi.AddTo(list, MscorlibApi.DefaultPath);
        return list;
    }

    internal void AddType(string fullTypeName) => _types.Add(fullTypeName);

    internal void AddMember(string fullTypeName, string member)
    {
        _types.Add(fullTypeName);
        _members.Add(fullTypeName + "." + member);
    }

    public bool AllowsType(string fullTypeName) => _types.Contains(fullTypeName);

    public bool AllowsMember(string fullTypeName, string member) => _members.Contains(fullTypeName + "." + member);

    public IEnumerable<string> Types => _types;
}
