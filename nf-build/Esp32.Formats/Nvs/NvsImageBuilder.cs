using System.Buffers.Binary;

namespace Esp32.Formats.Nvs;

/// <summary>
/// Lays out items page by page exactly as nvs_partition_gen.py's <c>NVS</c> and <c>Page</c> classes do
/// (esp-idf-nvs-partition-gen 0.2.0): pages get seq = page number, a page that is left is marked FULL, the
/// last written page stays ACTIVE, the remaining pages stay all 0xFF, and the last page is the reserve.
/// Quirks kept on purpose for byte identity: a string whose entries would exactly fill the page moves to
/// the next page (the check is ≥ 126), and in format v2 every binary value becomes BLOB_DATA chunks + a
/// BLOB_IDX, a chunk of 0 bytes included when a page has exactly one entry left.
/// </summary>
internal sealed class NvsImageBuilder
{
    private readonly List<NvsGeneratorPage> _pages = new();
    private readonly Dictionary<string, int> _writtenNamespaces = new(StringComparer.Ordinal);
    private readonly byte _version;
    private int? _sizeLeft;

    /// <summary>Thrown when the current page cannot take the item (PageFullError).</summary>
    public sealed class PageFullException : Exception;

    /// <summary>Thrown when no page is left for the data (InsufficientSizeError).</summary>
    public sealed class InsufficientSizeException : Exception;

    /// <param name="dataSize">Partition size minus the reserved page.</param>
    /// <param name="version">0xFE (v2) or 0xFF (v1).</param>
    public NvsImageBuilder(int dataSize, byte version)
    {
        _sizeLeft = dataSize;
        _version = version;
        Current = CreateNewPage();
    }

    public NvsGeneratorPage Current { get; private set; }

    public bool IsVersion2 => _version == NvsConstants.Version2;

    /// <summary>Index of the most recently created namespace (what entries are written under).</summary>
    public int NamespaceCount { get; private set; }

    /// <summary>NVS.create_new_page.</summary>
    public NvsGeneratorPage CreateNewPage(bool reserved = false, bool empty = false)
    {
        if (_pages.Count > 0 && !empty && Current.State == NvsPageState.Active) Current.MarkFull();
        if (_sizeLeft == 0) throw new InsufficientSizeException();
        if (!reserved) _sizeLeft -= NvsConstants.PageSize;
        var page = new NvsGeneratorPage(_pages.Count, _version, empty || reserved);
        _pages.Add(page);
        Current = page;
        return page;
    }

    /// <summary>NVS.__exit__: empty pages up to the size, then the reserved page; returns the image.</summary>
    public byte[] Finish()
    {
        while (true)
        {
            try
            {
                CreateNewPage(empty: true);
            }
            catch (InsufficientSizeException)
            {
                _sizeLeft = null;
                CreateNewPage(reserved: true, empty: true);
                break;
            }
        }
        var image = new byte[_pages.Count * NvsConstants.PageSize];
        for (int i = 0; i < _pages.Count; i++) _pages[i].Buffer.CopyTo(image, i * NvsConstants.PageSize);
        return image;
    }

    /// <summary>NVS.write_namespace: a new name gets the next index and a U8 entry in namespace 0.
    /// Returns false (writing nothing) for a name that already exists.</summary>
    public bool WriteNamespace(string name, byte[] nameBytes)
    {
        if (_writtenNamespaces.ContainsKey(name)) return false;
        NamespaceCount++;
        WithPageRetry(page => WritePrimitive(page, nameBytes, (ulong)NamespaceCount, NvsItemType.U8, 0));
        _writtenNamespaces[name] = NamespaceCount;
        return true;
    }

    public int? NamespaceIndexOf(string name) => _writtenNamespaces.TryGetValue(name, out int i) ? i : null;

    /// <summary>NVS.write_entry for a primitive value (two tries: current page, then a new one).</summary>
    public void WritePrimitive(byte[] key, ulong value, NvsItemType type) =>
        WithPageRetry(page => WritePrimitive(page, key, value, type, (byte)NamespaceCount));

    /// <summary>NVS.write_entry for a string (<paramref name="isString"/>) or binary value.</summary>
    public void WriteVariableLength(byte[] key, byte[] data, bool isString) =>
        WithPageRetry(page => WriteVarLength(page, key, data, isString, (byte)NamespaceCount));

    private void WithPageRetry(Action<NvsGeneratorPage> write)
    {
        try
        {
            write(Current);
        }
        catch (PageFullException)
        {
            write(CreateNewPage());
        }
    }

    /// <summary>Page.write_primitive_data.</summary>
    private static void WritePrimitive(NvsGeneratorPage page, byte[] key, ulong value, NvsItemType type, byte nsIndex)
    {
        if (page.EntryNumber >= NvsConstants.EntryCount) throw new PageFullException();
        var entry = NvsGeneratorPage.NewEntry(nsIndex, type, 1, key, NvsConstants.ChunkAny);
        Span<byte> le = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(le, value);
        le[..NvsItemTypes.PrimitiveSize(type)].CopyTo(entry.AsSpan(NvsItem.DataOffset));
        NvsGeneratorPage.SetEntryCrc(entry);
        page.WriteEntries(entry, 1);
    }

    /// <summary>Page.write_varlen_data.</summary>
    private void WriteVarLength(NvsGeneratorPage page, byte[] key, byte[] data, bool isString, byte nsIndex)
    {
        int maxBlobSize = IsVersion2 ? NvsConstants.StringMaxSize : 1984;
        bool limitApplies = !IsVersion2 || isString;
        if (limitApplies && data.Length > maxBlobSize)
            throw new Esp32FormatException($"size ({data.Length}) exceeds the maximum of {maxBlobSize} bytes for key `{System.Text.Encoding.UTF8.GetString(key)}`");

        int dataEntryCount = (data.Length + 31) / 32;
        int totalEntryCount = dataEntryCount + 1;
        if (page.EntryNumber >= NvsConstants.EntryCount) throw new PageFullException();
        if (page.EntryNumber + totalEntryCount >= NvsConstants.EntryCount && !(IsVersion2 && !isString)) throw new PageFullException();

        var type = isString ? NvsItemType.String : NvsItemType.Blob;
        byte span = IsVersion2 && !isString ? (byte)0xFF : (byte)(dataEntryCount + 1);
        var entry = NvsGeneratorPage.NewEntry(nsIndex, type, span, key, NvsConstants.ChunkAny);

        if (IsVersion2 && !isString)
        {
            WriteVarLengthBinary(page, entry, data);
            return;
        }
        NvsGeneratorPage.SetVarLength(entry, data);
        NvsGeneratorPage.SetEntryCrc(entry);
        page.WriteEntries(entry, 1);
        page.WriteEntries(data, dataEntryCount);
    }

    /// <summary>Page.write_varlen_binary_data: as many BLOB_DATA chunks as pages are needed, then BLOB_IDX.</summary>
    private void WriteVarLengthBinary(NvsGeneratorPage page, byte[] entry, byte[] data)
    {
        const byte chunkStart = 0;
        int chunkCount = 0, offset = 0, remaining = data.Length;
        while (true)
        {
            int tailroom = (NvsConstants.EntryCount - page.EntryNumber - 1) * NvsConstants.EntrySize;
            if (tailroom < 0) throw new InvalidOperationException("Page overflow");
            int chunkSize = Math.Min(tailroom, remaining);
            remaining -= chunkSize;

            int chunkEntryCount = (chunkSize + 31) / 32;
            entry[1] = (byte)NvsItemType.BlobData;
            entry[2] = (byte)(chunkEntryCount + 1);
            entry[3] = (byte)(chunkStart + chunkCount);
            var chunk = data.AsSpan(offset, chunkSize);
            NvsGeneratorPage.SetVarLength(entry, chunk);
            NvsGeneratorPage.SetEntryCrc(entry);
            page.WriteEntries(entry, 1);
            page.WriteEntries(chunk, chunkEntryCount);
            chunkCount++;

            if (remaining > 0 || tailroom - chunkSize < NvsConstants.EntrySize) page = CreateNewPage();
            offset += chunkSize;

            if (remaining == 0)
            {
                entry.AsSpan(NvsItem.DataOffset).Fill(0xFF);
                entry[1] = (byte)NvsItemType.BlobIndex;
                entry[2] = 1;
                entry[3] = NvsConstants.ChunkAny;
                BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(24), (uint)data.Length);
                entry[28] = (byte)chunkCount;
                entry[29] = chunkStart;
                NvsGeneratorPage.SetEntryCrc(entry);
                page.WriteEntries(entry, 1);
                return;
            }
        }
    }
}
