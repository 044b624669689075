using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Esp32.Formats.Checksums;
using Esp32.Formats.Flash;

namespace Esp32.Formats.Nvs;

/// <summary>Header facts of one page as found in an image.</summary>
/// <param name="Index">Page (sector) index in the partition.</param>
/// <param name="State">State word; <see cref="NvsPageState.Corrupt"/> also for a bad header CRC or a
/// non-empty page with an erased header.</param>
/// <param name="Sequence">Sequence number (pages with a valid header).</param>
/// <param name="Version">Format version byte (pages with a valid header).</param>
/// <param name="Written">Entries marked WRITTEN.</param>
/// <param name="Erased">Entries marked ERASED.</param>
public sealed record NvsDumpPage(int Index, NvsPageState State, uint? Sequence, byte? Version, int Written, int Erased);

/// <summary>One live key with its decoded value.</summary>
/// <param name="Namespace">Namespace name (or "#n" if the namespace entry is missing).</param>
/// <param name="Key">Key.</param>
/// <param name="Type">Type as stored (<see cref="NvsItemType.BlobIndex"/> for a v2 blob).</param>
/// <param name="Value">byte, sbyte, ushort, short, uint, int, ulong or long for primitives; string (without
/// its NUL) for strings; byte[] for blobs.</param>
/// <param name="Page">Page index of the item header (the BLOB_IDX for v2 blobs).</param>
/// <param name="Entry">Entry index of the item header within that page.</param>
public sealed record NvsDumpItem(string Namespace, string Key, NvsItemType Type, object Value, int Page, int Entry);

/// <summary>Something wrong or unusual found while reading; <paramref name="Entry"/> is null for page-level findings.</summary>
public sealed record NvsDumpIssue(int Page, int? Entry, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Entry is { } e ? $"page {Page} entry {e}: {Message}" : $"page {Page}: {Message}";
}

/// <summary>Result of <see cref="NvsReader.Read(byte[], byte[])"/>.</summary>
public sealed class NvsDump
{
    internal NvsDump(IReadOnlyList<NvsDumpPage> pages, IReadOnlyDictionary<byte, string> namespaces, IReadOnlyList<NvsDumpItem> items, IReadOnlyList<NvsDumpIssue> issues)
    {
        Pages = pages;
        Namespaces = namespaces;
        Items = items;
        Issues = issues;
    }

    /// <summary>Every page in partition order.</summary>
    public IReadOnlyList<NvsDumpPage> Pages { get; }

    /// <summary>Namespace index → name.</summary>
    public IReadOnlyDictionary<byte, string> Namespaces { get; }

    /// <summary>Live keys, oldest page first; for a key stored twice (power cut between write and erase) only
    /// the newer value is listed and the older one is reported as an issue.</summary>
    public IReadOnlyList<NvsDumpItem> Items { get; }

    /// <summary>Corrupt headers and entries, broken blobs, duplicates.</summary>
    public IReadOnlyList<NvsDumpIssue> Issues { get; }

    /// <summary>The value stored under <paramref name="ns"/>/<paramref name="key"/>, or null.</summary>
    public object? Find(string ns, string key) => Items.FirstOrDefault(i => i.Namespace == ns && i.Key == key)?.Value;

    /// <summary>A human-readable listing: pages, then namespace/key type = value, then issues.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        foreach (var p in Pages)
        {
            sb.Append(CultureInfo.InvariantCulture, $"page {p.Index}: {p.State.ToString().ToUpperInvariant()}");
            if (p.Sequence is { } seq) sb.Append(CultureInfo.InvariantCulture, $" seq {seq} version 0x{p.Version:X2}");
            if (p.State is NvsPageState.Active or NvsPageState.Full or NvsPageState.Freeing)
                sb.Append(CultureInfo.InvariantCulture, $" ({p.Written} written, {p.Erased} erased)");
            sb.AppendLine();
        }
        foreach (var (index, name) in Namespaces.OrderBy(kv => kv.Key))
            sb.AppendLine(CultureInfo.InvariantCulture, $"namespace {name} = {index}");
        foreach (var item in Items)
            sb.AppendLine(CultureInfo.InvariantCulture, $"{item.Namespace}/{item.Key} {TypeName(item.Type)} = {FormatValue(item.Value)}");
        if (Issues.Count > 0)
        {
            sb.AppendLine("issues:");
            foreach (var issue in Issues) sb.AppendLine("  " + issue);
        }
        return sb.ToString();
    }

    private static string TypeName(NvsItemType type) => type switch
    {
        NvsItemType.String => "string",
        NvsItemType.Blob or NvsItemType.BlobIndex or NvsItemType.BlobData => "blob",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string FormatValue(object value) => value switch
    {
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"",
        byte[] b => $"({b.Length} bytes) {Convert.ToHexStringLower(b.AsSpan(0, Math.Min(b.Length, 64)))}{(b.Length > 64 ? "…" : "")}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// Reads an NVS partition image without modifying it: lists namespaces, keys, types and values, verifies
/// page header CRCs, entry CRCs and data CRCs, and reports corrupt entries by page and entry index. With
/// the 64-byte key it decrypts an NVS-encrypted image; without it (or with the wrong key) reading an
/// encrypted image fails with a clear message instead of listing garbage.
/// </summary>
public static class NvsReader
{
    /// <summary>Reads an image held in memory.</summary>
    /// <exception cref="Esp32FormatException">Truncated image, or encrypted without (the right) key.</exception>
    public static NvsDump Read(byte[] image, byte[]? xtsKey = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length == 0 || image.Length % NvsConstants.PageSize != 0)
            throw new Esp32FormatException($"NVS image is 0x{image.Length:X} bytes, not a positive multiple of 0x1000 (truncated?)");
        return Read(new MemoryFlash((byte[])image.Clone()), xtsKey);
    }

    /// <summary>Reads a partition through a flash window (nothing is written).</summary>
    public static NvsDump Read(IFlashIo flash, byte[]? xtsKey = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (flash.Size == 0 || flash.Size % NvsConstants.PageSize != 0)
            throw new Esp32FormatException($"NVS partition is 0x{flash.Size:X} bytes, not a positive multiple of 0x1000 (truncated?)");
        NvsEncryptedPartition? decryptor = xtsKey == null ? null : new NvsEncryptedPartition(flash, xtsKey, readOnly: true);
        try
        {
            return new Walker(flash, decryptor).Run();
        }
        finally
        {
            decryptor?.Dispose();
        }
    }

    private sealed record RawItem(NvsItem Item, int Page, int Entry, uint Seq, byte[]? Payload);

    private sealed class Walker(IFlashIo flash, NvsEncryptedPartition? decryptor)
    {
        private readonly List<NvsDumpIssue> _issues = new();
        private int _entriesChecked, _entriesValid;

        public NvsDump Run()
        {
            var pages = new List<NvsDumpPage>();
            var live = new List<(int Index, uint Seq)>();
            var page = new byte[NvsConstants.PageSize];
            for (int p = 0; p < flash.Size / NvsConstants.PageSize; p++)
            {
                flash.Read(p * NvsConstants.PageSize, page);
                var state = (NvsPageState)BinaryPrimitives.ReadUInt32LittleEndian(page);
                var table = new NvsEntryStateTable();
                table.Load(page.AsSpan(NvsConstants.EntryTableOffset, 32));
                int written = 0, erased = 0;
                for (int e = 0; e < NvsConstants.EntryCount; e++)
                {
                    var s = table.Get(e);
                    if (s == NvsEntryState.Written) written++;
                    else if (s == NvsEntryState.Erased) erased++;
                }

                if (state == NvsPageState.Uninitialized)
                {
                    if (page.AsSpan().ContainsAnyExcept((byte)0xFF))
                    {
                        _issues.Add(new NvsDumpIssue(p, null, "header is erased but the page is not (interrupted erase or foreign data); nvs_flash treats it as CORRUPT"));
                        pages.Add(new NvsDumpPage(p, NvsPageState.Corrupt, null, null, 0, 0));
                    }
                    else
                    {
                        pages.Add(new NvsDumpPage(p, NvsPageState.Uninitialized, null, null, 0, 0));
                    }
                    continue;
                }
                uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(28));
                uint crc = NvsPage.CalculateHeaderCrc(page);
                if (storedCrc != crc)
                {
                    _issues.Add(new NvsDumpIssue(p, null, $"header CRC mismatch (stored 0x{storedCrc:X8}, computed 0x{crc:X8}); page skipped as nvs_flash does (CORRUPT)"));
                    pages.Add(new NvsDumpPage(p, NvsPageState.Corrupt, null, null, written, erased));
                    continue;
                }
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4));
                byte version = page[8];
                pages.Add(new NvsDumpPage(p, state, seq, version, written, erased));
                if (version < NvsConstants.Version2)
                    _issues.Add(new NvsDumpIssue(p, null, $"format version 0x{version:X2} is newer than ESP-IDF v5.5 knows (it refuses to mount: ESP_ERR_NVS_NEW_VERSION_FOUND)"));
                if (state is NvsPageState.Active or NvsPageState.Full or NvsPageState.Freeing) live.Add((p, seq));
                else if (state != NvsPageState.Corrupt)
                    _issues.Add(new NvsDumpIssue(p, null, $"unknown page state 0x{(uint)state:X8}; nvs_flash treats it as CORRUPT"));
            }

            var raw = new List<RawItem>();
            foreach (var (index, seq) in live.OrderBy(l => l.Seq).ThenBy(l => l.Index))
                ReadPageItems(index, seq, raw);

            if (_entriesChecked > 0 && _entriesValid == 0)
            {
                throw new Esp32FormatException(decryptor == null
                    ? $"NVS partition appears to be NVS-encrypted: none of its {_entriesChecked} written entries has a valid CRC; supply the 64-byte NVS key (eky ‖ tky)"
                    : $"the NVS key does not decrypt this partition: none of its {_entriesChecked} written entries has a valid CRC after decryption (wrong key, or the partition is not encrypted)");
            }
            return Assemble(pages, raw);
        }

        private byte[] ReadEntry(int page, int entry)
        {
            int address = page * NvsConstants.PageSize + NvsConstants.EntryDataOffset + entry * NvsConstants.EntrySize;
            var raw = new byte[NvsConstants.EntrySize];
            if (decryptor != null) decryptor.Read(address, raw);
            else flash.Read(address, raw);
            return raw;
        }

        private void ReadPageItems(int page, uint seq, List<RawItem> raw)
        {
            var tableBytes = new byte[32];
            flash.Read(page * NvsConstants.PageSize + NvsConstants.EntryTableOffset, tableBytes);
            var table = new NvsEntryStateTable();
            table.Load(tableBytes);
            for (int e = 0; e < NvsConstants.EntryCount;)
            {
                var state = table.Get(e);
                if (state == NvsEntryState.Illegal) _issues.Add(new NvsDumpIssue(page, e, "illegal entry state 0b01"));
                if (state != NvsEntryState.Written)
                {
                    e++;
                    continue;
                }
                var item = new NvsItem(ReadEntry(page, e));
                _entriesChecked++;
                if (!item.CheckHeaderConsistency(e))
                {
                    uint computed = item.CalculateCrc32();
                    _issues.Add(new NvsDumpIssue(page, e, item.Crc32 != computed
                        ? $"entry CRC mismatch (stored 0x{item.Crc32:X8}, computed 0x{computed:X8})"
                        : $"inconsistent entry header (type 0x{(byte)item.Type:X2}, span {item.Span}, chunk 0x{item.ChunkIndex:X2})"));
                    e++;
                    continue;
                }
                _entriesValid++;
                byte[]? payload = null;
                if (NvsItemTypes.IsVariableLength(item.Type))
                {
                    bool complete = true;
                    for (int j = e + 1; j < e + item.Span; j++) complete &= table.Get(j) == NvsEntryState.Written;
                    if (!complete)
                    {
                        _issues.Add(new NvsDumpIssue(page, e, $"key '{item.Key}': data entries not all marked written (interrupted write)"));
                        e += item.Span;
                        continue;
                    }
                    payload = new byte[item.VarDataSize];
                    for (int j = 0; j < item.Span - 1; j++)
                    {
                        var data = ReadEntry(page, e + 1 + j);
                        int n = Math.Min(NvsConstants.EntrySize, payload.Length - j * NvsConstants.EntrySize);
                        data.AsSpan(0, n).CopyTo(payload.AsSpan(j * NvsConstants.EntrySize));
                    }
                    uint dataCrc = EspCrc32.Compute(payload);
                    if (dataCrc != item.VarDataCrc32)
                    {
                        _issues.Add(new NvsDumpIssue(page, e, $"key '{item.Key}': data CRC mismatch (stored 0x{item.VarDataCrc32:X8}, computed 0x{dataCrc:X8})"));
                        e += item.Span;
                        continue;
                    }
                }
                raw.Add(new RawItem(item, page, e, seq, payload));
                e += item.Span;
            }
        }

        private NvsDump Assemble(List<NvsDumpPage> pages, List<RawItem> raw)
        {
            var namespaces = new Dictionary<byte, string>();
            foreach (var r in raw.Where(r => r.Item.NsIndex == 0))
            {
                if (r.Item.Type != NvsItemType.U8)
                {
                    _issues.Add(new NvsDumpIssue(r.Page, r.Entry, $"item '{r.Item.Key}' of type 0x{(byte)r.Item.Type:X2} in namespace 0 (reserved for namespace names)"));
                    continue;
                }
                namespaces.TryAdd(r.Item.Data[0], r.Item.Key);
            }
            string NsName(byte index) => namespaces.TryGetValue(index, out var n) ? n : "#" + index.ToString(CultureInfo.InvariantCulture);

            var items = new List<NvsDumpItem>();
            var chunks = raw.Where(r => r.Item.Type == NvsItemType.BlobData).ToList();
            var usedChunks = new HashSet<RawItem>();
            foreach (var r in raw.Where(r => r.Item.NsIndex != 0 && r.Item.Type != NvsItemType.BlobData))
            {
                var item = r.Item;
                object? value = item.Type switch
                {
                    NvsItemType.U8 => item.Data[0],
                    NvsItemType.I8 => (sbyte)item.Data[0],
                    NvsItemType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(item.Data),
                    NvsItemType.I16 => BinaryPrimitives.ReadInt16LittleEndian(item.Data),
                    NvsItemType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(item.Data),
                    NvsItemType.I32 => BinaryPrimitives.ReadInt32LittleEndian(item.Data),
                    NvsItemType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(item.Data),
                    NvsItemType.I64 => BinaryPrimitives.ReadInt64LittleEndian(item.Data),
                    NvsItemType.String => Encoding.UTF8.GetString(r.Payload!, 0, r.Payload!.Length > 0 && r.Payload[^1] == 0 ? r.Payload.Length - 1 : r.Payload.Length),
                    NvsItemType.Blob => r.Payload!,
                    NvsItemType.BlobIndex => AssembleBlob(r, chunks, usedChunks),
                    _ => null,
                };
                if (value == null) continue;
                var dumpItem = new NvsDumpItem(NsName(item.NsIndex), item.Key, item.Type, value, r.Page, r.Entry);
                int previous = items.FindIndex(i => i.Namespace == dumpItem.Namespace && i.Key == dumpItem.Key);
                if (previous >= 0)
                {
                    var old = items[previous];
                    _issues.Add(new NvsDumpIssue(old.Page, old.Entry, $"'{old.Namespace}/{old.Key}' is stored again at page {r.Page} entry {r.Entry} (power cut between write and erase); the newer value is listed"));
                    items.RemoveAt(previous);
                }
                items.Add(dumpItem);
            }
            foreach (var c in chunks.Where(c => !usedChunks.Contains(c)))
                _issues.Add(new NvsDumpIssue(c.Page, c.Entry, $"blob chunk 0x{c.Item.ChunkIndex:X2} of '{NsName(c.Item.NsIndex)}/{c.Item.Key}' belongs to no blob index (left by an interrupted write; nvs_flash erases it on mount)"));
            return new NvsDump(pages, namespaces, items, _issues);
        }

        private byte[]? AssembleBlob(RawItem index, List<RawItem> chunks, HashSet<RawItem> used)
        {
            var item = index.Item;
            var data = new List<byte>();
            var mine = new List<RawItem>();
            for (int n = 0; n < item.BlobIndexChunkCount; n++)
            {
                int chunkIndex = item.BlobIndexChunkStart + n;
                var chunk = chunks.FirstOrDefault(c => c.Item.NsIndex == item.NsIndex && c.Item.KeyEquals(item.KeyBytes) && c.Item.ChunkIndex == chunkIndex);
                if (chunk == null)
                {
                    _issues.Add(new NvsDumpIssue(index.Page, index.Entry, $"blob '{item.Key}': chunk 0x{chunkIndex:X2} of {item.BlobIndexChunkCount} is missing"));
                    return null;
                }
                mine.Add(chunk);
                data.AddRange(chunk.Payload!);
            }
            if (data.Count != item.BlobIndexDataSize)
            {
                _issues.Add(new NvsDumpIssue(index.Page, index.Entry, $"blob '{item.Key}': chunks hold {data.Count} bytes, index says {item.BlobIndexDataSize}"));
                return null;
            }
            foreach (var c in mine) used.Add(c);
            return data.ToArray();
        }
    }
}
