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

    public bool AllowsType(string fullTypeName) => _types.Contains(fullTypeName);

    public bool AllowsMember(string fullTypeName, string member) => _members.Contains(fullTypeName + "." + member);

    public IEnumerable<string> Types => _types;
}
