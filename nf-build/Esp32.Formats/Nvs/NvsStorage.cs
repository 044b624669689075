using System.Text;
using Esp32.Formats.Flash;

namespace Esp32.Formats.Nvs;

/// <summary>
/// The key-value store of one NVS partition (nvs::Storage, src/nvs_storage.cpp, ESP-IDF v5.5): namespaces,
/// typed items, strings up to 4000 bytes and multi-page blobs (BLOB_DATA chunks + BLOB_IDX, chunk indexes
/// alternating between the 0x00 and 0x80 ranges on every rewrite). Every change writes the new value first
/// and erases the old one afterwards, so a power cut leaves either value and the next load cleans up.
/// Open handles with <see cref="OpenHandle"/>.
/// </summary>
public sealed class NvsStorage
{
    private const byte VerAny = 0xFF;
    private const byte Ver0 = 0x00;
    private const byte Ver1 = 0x80;

    private readonly NvsPageManager _pageManager = new();
    private readonly Dictionary<string, byte> _namespaces = new(StringComparer.Ordinal);
    private readonly bool[] _namespaceUsage = new bool[256];
    private bool _active;

    private NvsStorage(NvsPartition partition) => Partition = partition;

    /// <summary>The partition this storage lives on.</summary>
    public NvsPartition Partition { get; }

    /// <summary>
    /// nvs_flash_init_partition / nvs_flash_secure_init_partition: loads the partition (repairing power-loss
    /// leftovers unless it is read-only). Throws <see cref="NvsException"/> with NoFreePages or
    /// NewVersionFound where the device would return those codes (the application then usually erases the
    /// partition and retries).
    /// </summary>
    /// <param name="partition">The partition to mount.</param>
    /// <param name="options">Repair behaviour; default is ESP-IDF v5.5's.</param>
    public static NvsStorage Mount(NvsPartition partition, NvsMountOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var storage = new NvsStorage(partition);
        var err = storage.Init(0, partition.PageCount, options ?? NvsMountOptions.EspIdf);
        if (err != NvsError.Ok) throw new NvsException(err, "nvs_flash_init");
        return storage;
    }

    /// <summary>Mounts a plaintext partition on <paramref name="flash"/>.</summary>
    public static NvsStorage Mount(IFlashIo flash, bool readOnly = false, NvsMountOptions? options = null) =>
        Mount(new NvsPartition(flash, readOnly), options);

    /// <summary>Mounts an NVS-encrypted partition with the 64-byte XTS key (eky ‖ tky).</summary>
    public static NvsStorage Mount(IFlashIo flash, ReadOnlySpan<byte> xtsKey, bool readOnly = false, NvsMountOptions? options = null) =>
        Mount(new NvsEncryptedPartition(flash, xtsKey, readOnly), options);

    /// <summary>nvs_open: opens (or, read-write, creates) a namespace. A read-only open of a missing namespace
    /// throws NotFound; a read-write open on a read-only partition throws NotAllowed.</summary>
    public NvsHandle OpenHandle(string namespaceName, bool readWrite)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        if (readWrite && Partition.ReadOnly) throw new NvsException(NvsError.NotAllowed, $"nvs_open(\"{namespaceName}\")");
        var err = CreateOrOpenNamespace(NvsHandle.KeyBytes(namespaceName, "namespace"), readWrite, out byte nsIndex);
        if (err != NvsError.Ok) throw new NvsException(err, $"nvs_open(\"{namespaceName}\")");
        return new NvsHandle(this, namespaceName, nsIndex, readOnly: !readWrite);
    }

    /// <summary>Names of all namespaces and their indexes.</summary>
    public IReadOnlyDictionary<string, byte> Namespaces => _namespaces;

    /// <summary>Number of pages in use (not free), in sequence order.</summary>
    public int UsedPageCount => _pageManager.Pages.Count;

    /// <summary>Number of free (erased or corrupt) pages, including the reserve page.</summary>
    public int FreePageCount => _pageManager.FreePageCount;

    /// <summary>Sector index and state of every page in use, oldest first.</summary>
    public IReadOnlyList<(int Sector, NvsPageState State)> PageStates =>
        _pageManager.Pages.Select(p => (p.SectorIndex, p.State)).ToList();

    // ---- init ---------------------------------------------------------------------------------------

    /// <summary>Storage::init: loads pages, namespaces, and removes blob indexes whose chunks do not add up
    /// and chunks that no blob index owns.</summary>
    private NvsError Init(int baseSector, int sectorCount, NvsMountOptions options)
    {
        var err = _pageManager.Load(Partition, baseSector, sectorCount, options);
        if (err != NvsError.Ok) return err;

        _namespaces.Clear();
        Array.Clear(_namespaceUsage);
        foreach (var page in _pageManager.Pages)
        {
            int itemIndex = 0;
            while (page.FindAny(NvsConstants.NamespaceIndexNamespace, NvsItemType.U8, ref itemIndex, out var item) == NvsError.Ok)
            {
                byte index = item!.Data[0];
                _namespaces.TryAdd(item.Key, index); // upstream's list lookup returns the first one
                _namespaceUsage[index] = true;
                itemIndex += item.Span;
            }
        }
        _namespaceUsage[0] = true;
        _namespaceUsage[255] = true;

        var blobIndexes = PopulateBlobIndices();
        EraseMismatchedBlobIndexes(blobIndexes);
        EraseOrphanDataBlobs(blobIndexes);
        _active = true;
        return NvsError.Ok;
    }

    private sealed class BlobIndexNode
    {
        public required byte[] Key;
        public byte NsIndex;
        public byte ChunkStart;
        public byte ChunkCount;
        public uint DataSize;
        public uint ObservedDataSize;
        public int ObservedChunkCount;
    }

    private List<BlobIndexNode> PopulateBlobIndices()
    {
        var list = new List<BlobIndexNode>();
        foreach (var page in _pageManager.Pages)
        {
            int itemIndex = 0;
            while (page.FindAny(NvsConstants.NamespaceAny, NvsItemType.BlobIndex, ref itemIndex, out var item) == NvsError.Ok)
            {
                list.Add(new BlobIndexNode
                {
                    Key = item!.KeyBytes.ToArray(), NsIndex = item.NsIndex, ChunkStart = item.BlobIndexChunkStart,
                    ChunkCount = item.BlobIndexChunkCount, DataSize = item.BlobIndexDataSize,
                });
                itemIndex += item.Span;
            }
        }
        return list;
    }

    /// <summary>Storage::eraseMismatchedBlobIndexes: a blob index whose chunks (same ns, key and version range)
    /// do not sum to its size and count is erased; its chunks become orphans.</summary>
    private void EraseMismatchedBlobIndexes(List<BlobIndexNode> list)
    {
        foreach (var page in _pageManager.Pages)
        {
            int itemIndex = 0;
            while (page.FindAny(NvsConstants.NamespaceAny, NvsItemType.BlobData, ref itemIndex, out var item) == NvsError.Ok)
            {
                var node = list.FirstOrDefault(e => item!.KeyEquals(e.Key) && item.NsIndex == e.NsIndex
                    && item.ChunkIndex >= e.ChunkStart && item.ChunkIndex < (e.ChunkStart == Ver0 ? Ver1 : VerAny));
                if (node != null)
                {
                    node.ObservedDataSize += item!.VarDataSize;
                    node.ObservedChunkCount++;
                }
                itemIndex += item!.Span;
            }
        }
        for (int i = 0; i < list.Count;)
        {
            var node = list[i];
            if (node.ObservedDataSize != node.DataSize || node.ObservedChunkCount != node.ChunkCount)
            {
                foreach (var page in _pageManager.Pages)
                {
                    if (page.State is NvsPageState.Corrupt or NvsPageState.Invalid or NvsPageState.Uninitialized) continue;
                    if (page.EraseItem(node.NsIndex, NvsItemType.BlobIndex, node.Key, NvsConstants.ChunkAny, node.ChunkStart) == NvsError.Ok) break;
                }
                list.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Storage::eraseOrphanDataBlobs: erases chunks that no remaining blob index covers.</summary>
    private void EraseOrphanDataBlobs(List<BlobIndexNode> list)
    {
        foreach (var page in _pageManager.Pages)
        {
            int itemIndex = 0;
            while (page.FindAny(NvsConstants.NamespaceAny, NvsItemType.BlobData, ref itemIndex, out var item) == NvsError.Ok)
            {
                bool owned = list.Any(e => item!.KeyEquals(e.Key) && item.NsIndex == e.NsIndex
                    && item.ChunkIndex >= e.ChunkStart && item.ChunkIndex < e.ChunkStart + e.ChunkCount);
                if (!owned) page.EraseItem(item!.NsIndex, item.Type, item.KeyBytes, item.ChunkIndex);
                itemIndex += item!.Span;
            }
        }
    }

    // ---- find ---------------------------------------------------------------------------------------

    /// <summary>Storage::findItem: the first match in page sequence order.</summary>
    private NvsError FindItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, out NvsPage? page, out NvsItem? item,
        out int itemIndex, byte chunkIndex = NvsConstants.ChunkAny, byte chunkStart = VerAny)
    {
        foreach (var p in _pageManager.Pages)
        {
            int index = 0;
            if (p.FindItem(nsIndex, type, key, ref index, out var found, chunkIndex, chunkStart) == NvsError.Ok)
            {
                page = p;
                item = found;
                itemIndex = index;
                return NvsError.Ok;
            }
        }
        page = null;
        item = null;
        itemIndex = 0;
        return NvsError.NotFound;
    }

    private NvsPage CurrentPage => _pageManager.Back;

    // ---- write --------------------------------------------------------------------------------------

    /// <summary>Storage::writeMultiPageBlob: splits the blob over as many pages as needed, one BLOB_DATA chunk
    /// per page with chunk indexes chunkStart, chunkStart+1, …, then writes the BLOB_IDX.</summary>
    private NvsError WriteMultiPageBlob(byte nsIndex, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, byte chunkStart)
    {
        int chunkCount = 0;
        var usedPages = new List<NvsPage>();
        int remainingSize = data.Length;
        int offset = 0;
        NvsError err;

        long maxPages = Math.Min(_pageManager.PageCount - 1, (NvsConstants.ChunkAny - 1) / 2);
        if (data.Length > maxPages * NvsConstants.ChunkMaxSize) return NvsError.ValueTooLong;

        while (true)
        {
            var page = CurrentPage;
            int tailroom = page.VarDataTailroom;
            if (chunkCount == 0 && (tailroom < data.Length || (tailroom == 0 && data.Length == 0)) && tailroom < NvsConstants.ChunkMaxSize / 10)
            {
                // First chunk and too little room here: move on to a new page.
                if (page.State != NvsPageState.Full)
                {
                    err = page.MarkFull();
                    if (err != NvsError.Ok) return err;
                }
                err = _pageManager.RequestNewPage();
                if (err != NvsError.Ok) return err;
                if (CurrentPage.VarDataTailroom == tailroom) return NvsError.NotEnoughSpace;
                continue;
            }
            if (tailroom == 0)
            {
                err = NvsError.NotEnoughSpace;
                break;
            }

            int chunkSize = Math.Min(remainingSize, tailroom);
            remainingSize -= chunkSize;
            err = page.WriteItem(nsIndex, NvsItemType.BlobData, key, data.Slice(offset, chunkSize), (byte)(chunkStart + chunkCount));
            chunkCount++;
            if (err != NvsError.Ok)
            {
                if (err == NvsError.PageFull) return err;
                break;
            }
            usedPages.Add(page);
            if (remainingSize > 0 || tailroom - chunkSize < NvsConstants.EntrySize)
            {
                if (page.State != NvsPageState.Full)
                {
                    err = page.MarkFull();
                    if (err != NvsError.Ok) break;
                }
                err = _pageManager.RequestNewPage();
                if (err != NvsError.Ok) break;
            }
            offset += chunkSize;
            if (remainingSize == 0)
            {
                var index = new byte[8];
                Array.Fill(index, (byte)0xFF);
                BitConverter.TryWriteBytes(index.AsSpan(0, 4), (uint)data.Length);
                index[4] = (byte)chunkCount;
                index[5] = chunkStart;
                err = CurrentPage.WriteItem(nsIndex, NvsItemType.BlobIndex, key, index);
                if (err == NvsError.PageFull) return err;
                break;
            }
        }

        if (err != NvsError.Ok)
        {
            // Anything failed: erase the chunks written so far (upstream passes chunk numbers 0.. here).
            int ii = 0;
            foreach (var p in usedPages) p.EraseItem(nsIndex, NvsItemType.BlobData, key, (byte)ii++);
        }
        return err;
    }

    /// <summary>
    /// Storage::writeItem: looks up the old value (for BLOB by its BLOB_IDX, otherwise by type, then by any
    /// type under the same key), skips the write when the value is unchanged, writes the new value (moving
    /// to a new page and reclaiming space when the current page is full) and only then erases the old value.
    /// </summary>
    internal NvsError WriteItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        if (!_active) return NvsError.NotInitialized;

        NvsPage? findPage = null;
        NvsItem? item = null;
        int itemIndex = 0;
        uint findPageSeqNumber = uint.MaxValue;
        bool matchedTypePageFound = false;
        NvsError err;

        if (type == NvsItemType.Blob)
        {
            err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out findPage, out item, out itemIndex);
            if (err == NvsError.Ok) matchedTypePageFound = true;
        }
        else
        {
            err = FindItem(nsIndex, type, key, out findPage, out item, out itemIndex);
            if (err == NvsError.Ok)
            {
                matchedTypePageFound = true;
                findPage!.GetSeqNumber(out findPageSeqNumber);
            }
        }

        // CONFIG_NVS_LEGACY_DUP_KEYS_COMPATIBILITY is off by default: a value of another type under the same
        // key is replaced too.
        if (findPage == null)
        {
            err = FindItem(nsIndex, NvsItemType.Any, key, out findPage, out item, out itemIndex);
            if (err == NvsError.Ok)
            {
                findPage!.GetSeqNumber(out findPageSeqNumber);
                matchedTypePageFound = false;
            }
        }
        if (err != NvsError.Ok && err != NvsError.NotFound) return err;

        if (type == NvsItemType.Blob)
        {
            byte nextStart = Ver0;
            if (matchedTypePageFound)
            {
                if (CmpMultiPageBlob(nsIndex, key, data) == NvsError.Ok) return NvsError.Ok;
                byte prevStart = item!.BlobIndexChunkStart;
                if (prevStart != Ver0 && prevStart != Ver1) return NvsError.Fail;
                nextStart = prevStart == Ver1 ? Ver0 : Ver1;
            }
            err = WriteMultiPageBlob(nsIndex, key, data, nextStart);
            if (err == NvsError.PageFull) return NvsError.NotEnoughSpace;
            if (err != NvsError.Ok) return err;
        }
        else
        {
            if (matchedTypePageFound && findPage!.CmpItem(nsIndex, type, key, data) == NvsError.Ok) return NvsError.Ok;
            var page = CurrentPage;
            err = page.WriteItem(nsIndex, type, key, data);
            if (err == NvsError.PageFull)
            {
                if (page.State != NvsPageState.Full)
                {
                    err = page.MarkFull();
                    if (err != NvsError.Ok) return err;
                }
                err = _pageManager.RequestNewPage();
                if (err != NvsError.Ok) return err;
                err = CurrentPage.WriteItem(nsIndex, type, key, data);
                if (err == NvsError.PageFull) return NvsError.NotEnoughSpace;
            }
            if (err != NvsError.Ok) return err;
        }

        // Now erase the previous value.
        if (findPage == null) return err;
        if (item!.Type == NvsItemType.BlobIndex)
        {
            return EraseMultiPageBlob(nsIndex, key, item.BlobIndexChunkStart);
        }

        // The old value's page may have been reclaimed (moved to another page) while writing.
        bool wasRelocated = findPage.State is not (NvsPageState.Active or NvsPageState.Full);
        if (!wasRelocated)
        {
            err = findPage.GetSeqNumber(out uint newSeq);
            if (err != NvsError.Ok) return err;
            wasRelocated = newSeq != findPageSeqNumber;
        }
        if (wasRelocated)
        {
            err = FindItem(nsIndex, item.Type, key, out findPage, out item, out itemIndex);
            if (err != NvsError.Ok) return err;
        }
        return findPage!.EraseEntryAndSpan(itemIndex);
    }

    /// <summary>Storage::createOrOpenNamespace: namespaces get the lowest unused index 1..254, stored as a U8
    /// item in namespace 0 whose key is the namespace name.</summary>
    private NvsError CreateOrOpenNamespace(byte[] name, bool canCreate, out byte nsIndex)
    {
        nsIndex = 0;
        if (!_active) return NvsError.NotInitialized;
        string? existing = _namespaces.Keys.FirstOrDefault(n => StrNCmpEquals(name, Encoding.UTF8.GetBytes(n)));
        if (existing != null)
        {
            nsIndex = _namespaces[existing];
            return NvsError.Ok;
        }
        if (!canCreate) return NvsError.NotFound;

        int ns;
        for (ns = 1; ns < 255; ns++)
            if (!_namespaceUsage[ns]) break;
        if (ns == 255) return NvsError.NotEnoughSpace;

        var err = WriteItem(NvsConstants.NamespaceIndexNamespace, NvsItemType.U8, name, [(byte)ns]);
        if (err != NvsError.Ok) return err;
        _namespaceUsage[ns] = true;
        nsIndex = (byte)ns;
        _namespaces[Encoding.UTF8.GetString(name.AsSpan(0, Math.Min(name.Length, NvsConstants.MaxKeyLength)))] = nsIndex;
        return NvsError.Ok;
    }

    private static bool StrNCmpEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length > NvsConstants.MaxKeyLength) a = a[..NvsConstants.MaxKeyLength];
        if (b.Length > NvsConstants.MaxKeyLength) b = b[..NvsConstants.MaxKeyLength];
        return a.SequenceEqual(b);
    }

    // ---- read ---------------------------------------------------------------------------------------

    /// <summary>Storage::readMultiPageBlob: reads the chunks listed by the BLOB_IDX; a missing or oversized
    /// chunk erases the whole blob.</summary>
    private NvsError ReadMultiPageBlob(byte nsIndex, ReadOnlySpan<byte> key, Span<byte> data)
    {
        var err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out _, out var item, out _);
        if (err != NvsError.Ok) return err;
        int chunkCount = item!.BlobIndexChunkCount;
        byte chunkStart = item.BlobIndexChunkStart;
        if (data.Length != item.BlobIndexDataSize) return NvsError.Fail;

        int offset = 0;
        for (int chunkNum = 0; chunkNum < chunkCount; chunkNum++)
        {
            err = FindItem(nsIndex, NvsItemType.BlobData, key, out var page, out var chunk, out int chunkItemIndex, (byte)(chunkStart + chunkNum));
            if (err != NvsError.Ok)
            {
                if (err == NvsError.NotFound) break;
                return err;
            }
            if (chunk!.VarDataSize > data.Length - offset)
            {
                err = NvsError.InvalidLength;
                break;
            }
            err = page!.ReadVariableLengthItemData(chunk, chunkItemIndex, data[offset..]);
            if (err != NvsError.Ok) return err;
            offset += chunk.VarDataSize;
        }
        if (err is NvsError.NotFound or NvsError.InvalidLength) EraseMultiPageBlob(nsIndex, key, VerAny);
        if (offset != data.Length) return NvsError.Fail;
        return err;
    }

    /// <summary>Storage::cmpMultiPageBlob.</summary>
    private NvsError CmpMultiPageBlob(byte nsIndex, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out _, out var item, out _);
        if (err != NvsError.Ok) return err;
        int chunkCount = item!.BlobIndexChunkCount;
        byte chunkStart = item.BlobIndexChunkStart;
        if (data.Length != item.BlobIndexDataSize) return NvsError.ContentDiffers;

        int offset = 0;
        for (int chunkNum = 0; chunkNum < chunkCount; chunkNum++)
        {
            err = FindItem(nsIndex, NvsItemType.BlobData, key, out var page, out var chunk, out _, (byte)(chunkStart + chunkNum));
            if (err != NvsError.Ok)
            {
                if (err == NvsError.NotFound) break;
                return err;
            }
            if (chunk!.VarDataSize > data.Length - offset) return NvsError.ContentDiffers;
            // Upstream checks this CRC against the start of the buffer rather than the chunk's window; a
            // mismatch only means "differs" and leads to a rewrite, so the outcome stays correct.
            if (Checksums.EspCrc32.Compute(data[..chunk.VarDataSize]) != chunk.VarDataCrc32) return NvsError.ContentDiffers;
            err = page!.CmpItem(nsIndex, NvsItemType.BlobData, key, data.Slice(offset, chunk.VarDataSize), (byte)(chunkStart + chunkNum));
            if (err != NvsError.Ok) return err;
            offset += chunk.VarDataSize;
        }
        if (offset != data.Length) return NvsError.Fail;
        return err;
    }

    /// <summary>Storage::readItem (a BLOB falls back to the v1 single-page format).</summary>
    internal NvsError ReadItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, Span<byte> data)
    {
        if (!_active) return NvsError.NotInitialized;
        if (type == NvsItemType.Blob)
        {
            var err = ReadMultiPageBlob(nsIndex, key, data);
            if (err != NvsError.NotFound) return err;
        }
        var findErr = FindItem(nsIndex, type, key, out var page, out _, out _);
        if (findErr != NvsError.Ok) return findErr;
        return page!.ReadItem(nsIndex, type, key, data);
    }

    /// <summary>Storage::getItemDataSize.</summary>
    internal NvsError GetItemDataSize(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, out int dataSize)
    {
        dataSize = 0;
        if (!_active) return NvsError.NotInitialized;
        NvsError err;
        NvsItem? item;
        if (type == NvsItemType.Blob)
        {
            err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out _, out item, out _);
            if (err == NvsError.Ok)
            {
                dataSize = (int)item!.BlobIndexDataSize;
                return err;
            }
            if (err != NvsError.NotFound) return err;
        }
        err = FindItem(nsIndex, type, key, out _, out item, out _);
        if (err != NvsError.Ok) return err;
        dataSize = item!.VarDataSize;
        return NvsError.Ok;
    }

    /// <summary>Storage::findKey: the type stored under a key (any type).</summary>
    internal NvsError FindKey(byte nsIndex, ReadOnlySpan<byte> key, out NvsItemType type)
    {
        type = NvsItemType.Any;
        if (!_active) return NvsError.NotInitialized;
        var err = FindItem(nsIndex, NvsItemType.Any, key, out _, out var item, out _);
        if (err == NvsError.Ok) type = item!.Type;
        return err;
    }

    // ---- erase --------------------------------------------------------------------------------------

    /// <summary>Storage::eraseMultiPageBlob: erases the BLOB_IDX first (orphaning the chunks), then the chunks
    /// of that version; with VER_ANY, every index and chunk of the key.</summary>
    private NvsError EraseMultiPageBlob(byte nsIndex, ReadOnlySpan<byte> key, byte chunkStart)
    {
        if (!_active) return NvsError.NotInitialized;
        var err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out var page, out var item, out int itemIndex, NvsConstants.ChunkAny, chunkStart);
        if (err != NvsError.Ok) return err;
        int chunkCount = item!.BlobIndexChunkCount;
        err = page!.EraseEntryAndSpan(itemIndex);
        if (err != NvsError.Ok) return err;

        if (chunkStart == VerAny)
        {
            err = FindItem(nsIndex, NvsItemType.BlobIndex, key, out page, out _, out itemIndex, NvsConstants.ChunkAny, chunkStart);
            if (err == NvsError.Ok)
            {
                err = page!.EraseEntryAndSpan(itemIndex);
                if (err != NvsError.Ok) return err;
            }
            else if (err != NvsError.NotFound)
            {
                return err;
            }
            foreach (var p in _pageManager.Pages)
            {
                int index = 0;
                do
                {
                    err = p.FindItem(nsIndex, NvsItemType.BlobData, key, ref index, out var chunk);
                    if (err == NvsError.NotFound) break;
                    if (err == NvsError.Ok)
                    {
                        err = p.EraseEntryAndSpan(index);
                        index += chunk!.Span;
                    }
                    if (err != NvsError.Ok) return err;
                } while (index < NvsConstants.EntryCount);
            }
        }
        else
        {
            int min = chunkStart, max = chunkStart + chunkCount;
            for (int chunkIndex = min; chunkIndex < max; chunkIndex++)
            {
                err = FindItem(nsIndex, NvsItemType.BlobData, key, out page, out _, out itemIndex, (byte)chunkIndex);
                if (err != NvsError.Ok) return err;
                err = page!.EraseEntryAndSpan(itemIndex);
                if (err != NvsError.Ok) return err;
            }
        }
        return NvsError.Ok;
    }

    /// <summary>Storage::eraseItem(nsIndex, key): erases whatever is stored under the key (a whole blob for a BLOB_IDX).</summary>
    internal NvsError EraseItem(byte nsIndex, ReadOnlySpan<byte> key)
    {
        if (!_active) return NvsError.NotInitialized;
        var err = FindItem(nsIndex, NvsItemType.Any, key, out var page, out var item, out int itemIndex);
        if (err != NvsError.Ok) return err;
        if (item!.Type == NvsItemType.BlobIndex) return EraseMultiPageBlob(nsIndex, key, item.BlobIndexChunkStart);
        return page!.EraseEntryAndSpan(itemIndex);
    }

    /// <summary>Storage::eraseNamespace: erases every item of the namespace (the namespace entry stays).</summary>
    internal NvsError EraseNamespace(byte nsIndex)
    {
        if (!_active) return NvsError.NotInitialized;
        foreach (var page in _pageManager.Pages)
        {
            while (true)
            {
                int index = 0;
                var err = page.FindItem(nsIndex, NvsItemType.Any, default, ref index, out _, keyIsNull: true);
                if (err == NvsError.NotFound) break;
                if (err != NvsError.Ok) return err;
                err = page.EraseEntryAndSpan(index);
                if (err != NvsError.Ok) return err;
            }
        }
        return NvsError.Ok;
    }

    /// <summary>
    /// nvs_entry_find/nvs_entry_next: every iterable item (not namespace entries, not blob indexes, and of
    /// multi-page blobs only the chunk 0x00/0x80), optionally of one namespace. Blob chunks are reported as
    /// <see cref="NvsItemType.BlobData"/>, as the device iterator does.
    /// </summary>
    public IReadOnlyList<NvsEntryInfo> ListEntries(string? namespaceName = null)
    {
        var result = new List<NvsEntryInfo>();
        byte ns = NvsConstants.NamespaceAny;
        if (namespaceName != null && !_namespaces.TryGetValue(namespaceName, out ns)) return result;
        foreach (var page in _pageManager.Pages)
        {
            int index = 0;
            while (page.FindAny(ns, NvsItemType.Any, ref index, out var item) == NvsError.Ok)
            {
                index += item!.Span;
                if (item.NsIndex == 0 || item.Type is NvsItemType.Blob or NvsItemType.BlobIndex) continue;
                if (item.Type == NvsItemType.BlobData && item.ChunkIndex is not (Ver0 or Ver1)) continue;
                string nsName = _namespaces.FirstOrDefault(kv => kv.Value == item.NsIndex).Key ?? "";
                result.Add(new NvsEntryInfo(nsName, item.Key, item.Type));
            }
        }
        return result;
    }
}

/// <summary>One entry as nvs_entry_info() reports it.</summary>
/// <param name="Namespace">Namespace name.</param>
/// <param name="Key">Key.</param>
/// <param name="Type">Stored type (BlobData for blobs).</param>
public sealed record NvsEntryInfo(string Namespace, string Key, NvsItemType Type);
