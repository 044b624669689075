namespace Esp32.Formats.Nvs;

/// <summary>
/// Per-page lookup cache of item positions (nvs::HashList, src/nvs_item_hash_list.cpp). Upstream stores a
/// 24-bit CRC of (nsIndex, key, chunkIndex) per entry and <c>find(start, item)</c> returns the first cached
/// index ≥ start with that hash; findItem then scans linearly from there. This version keys on the exact
/// tuple, which gives the same answer except that it never returns a hash collision.
/// </summary>
internal sealed class NvsItemHashList
{
    private readonly Dictionary<NvsItemHashKey, List<int>> _byKey = new();
    private readonly Dictionary<int, NvsItemHashKey> _byIndex = new();

    public void Clear()
    {
        _byKey.Clear();
        _byIndex.Clear();
    }

    public void Insert(NvsItem item, int index)
    {
        var key = item.HashKey;
        if (!_byKey.TryGetValue(key, out var list)) _byKey[key] = list = new List<int>();
        int pos = list.BinarySearch(index);
        if (pos < 0) list.Insert(~pos, index);
        _byIndex[index] = key;
    }

    public void Erase(int index)
    {
        if (!_byIndex.Remove(index, out var key)) return;
        var list = _byKey[key];
        list.Remove(index);
        if (list.Count == 0) _byKey.Remove(key);
    }

    /// <summary>The smallest cached index ≥ <paramref name="start"/> for the item's key, or -1.</summary>
    public int Find(int start, NvsItemHashKey key)
    {
        if (!_byKey.TryGetValue(key, out var list)) return -1;
        foreach (int index in list)
            if (index >= start) return index;
        return -1;
    }
}
