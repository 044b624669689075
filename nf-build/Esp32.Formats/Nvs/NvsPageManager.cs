namespace Esp32.Formats.Nvs;

/// <summary>
/// Orders the pages of a partition and hands out the page to write to (nvs::PageManager,
/// src/nvs_pagemanager.cpp, v5.5): pages with a valid header are kept in sequence-number order, the
/// others are free; one free page is always kept in reserve so that <see cref="RequestNewPage"/> can
/// move the live items of the most-erased page into it and erase that page.
/// </summary>
internal sealed class NvsPageManager
{
    private readonly List<NvsPage> _pageList = new();
    private readonly LinkedList<NvsPage> _freePageList = new();
    private uint _seqNumber;

    public int PageCount { get; private set; }

    /// <summary>Pages in use, oldest sequence number first (the last one is the current page).</summary>
    public IReadOnlyList<NvsPage> Pages => _pageList;

    public int FreePageCount => _freePageList.Count;

    public NvsPage Back => _pageList[^1];

    /// <summary>PageManager::load: loads every page, then repairs what a power loss can leave behind:
    /// a duplicate of the last written item, and a page left in FREEING state.</summary>
    public NvsError Load(NvsPartition partition, int baseSector, int sectorCount, NvsMountOptions options)
    {
        PageCount = sectorCount;
        _pageList.Clear();
        _freePageList.Clear();
        var pages = new NvsPage[sectorCount];
        for (int i = 0; i < sectorCount; i++)
        {
            var page = pages[i] = new NvsPage();
            var err = page.Load(partition, baseSector + i, options.ChunkAwareDuplicateCheck);
            if (err != NvsError.Ok) return err;
            if (page.GetSeqNumber(out uint seq) != NvsError.Ok)
            {
                _freePageList.AddLast(page);
            }
            else
            {
                int pos = _pageList.FindIndex(p => p.GetSeqNumber(out uint other) == NvsError.Ok && other > seq);
                if (pos < 0) _pageList.Add(page);
                else _pageList.Insert(pos, page);
            }
        }

        if (_pageList.Count == 0)
        {
            _seqNumber = 0;
            return ActivatePage();
        }
        Back.GetSeqNumber(out uint lastSeq);
        _seqNumber = lastSeq + 1;

        if (partition.ReadOnly) return NvsError.Ok;

        // If power went out after a new value was written but before the old one was erased, the last item
        // of the last page has a twin on an older page: erase the older one.
        var lastPage = Back;
        NvsItem? lastItem = null;
        int itemIndex = 0;
        while (lastPage.FindAny(NvsConstants.NamespaceAny, NvsItemType.Any, ref itemIndex, out var found) == NvsError.Ok)
        {
            lastItem = found!;
            itemIndex += found!.Span;
        }
        if (lastItem != null)
        {
            var key = lastItem.KeyBytes.ToArray();
            int it;
            for (it = 0; it < _pageList.Count - 1; it++)
            {
                var p = _pageList[it];
                if (p.State != NvsPageState.Freeing && p.EraseItem(lastItem.NsIndex, lastItem.Type, key, lastItem.ChunkIndex) == NvsError.Ok) break;
            }
            if (it == _pageList.Count - 1 && lastItem.Type == NvsItemType.BlobIndex)
            {
                // Old-format blob replaced by a v2 blob index just before the power went: drop the old blob.
                for (it = 0; it < _pageList.Count - 1; it++)
                {
                    var p = _pageList[it];
                    if (p.State != NvsPageState.Freeing && p.EraseItem(lastItem.NsIndex, NvsItemType.Blob, key, lastItem.ChunkIndex) == NvsError.Ok) break;
                }
            }
        }

        // If power went out while a page was being freed, restart the move into a fresh page.
        for (int i = 0; i < _pageList.Count; i++)
        {
            var freeing = _pageList[i];
            if (freeing.State != NvsPageState.Freeing) continue;
            var newPage = Back;
            if (newPage.State == NvsPageState.Active)
            {
                newPage.Erase();
                _pageList.RemoveAt(_pageList.Count - 1);
                _freePageList.AddLast(newPage);
            }
            var err = ActivatePage();
            if (err != NvsError.Ok) return err;
            newPage = Back;
            err = freeing.CopyItems(newPage);
            if (err != NvsError.Ok && err != NvsError.NotFound) return err;
            freeing.Erase();
            _pageList.Remove(freeing);
            _freePageList.AddLast(freeing);
            break;
        }

        // A writable partition needs at least one free page.
        return _freePageList.Count == 0 ? NvsError.NoFreePages : NvsError.Ok;
    }

    /// <summary>PageManager::requestNewPage: activates a free page; when only the reserve is left, first
    /// frees the page with the fewest used entries by copying its live items into the reserve.</summary>
    public NvsError RequestNewPage()
    {
        if (_freePageList.Count == 0) return NvsError.InvalidState;
        if (_freePageList.Count >= 2) return ActivatePage();

        NvsPage? erasedPage = null;
        int maxUnusedItems = 0;
        foreach (var page in _pageList)
        {
            int unused = NvsConstants.EntryCount - page.UsedEntryCount;
            if (unused > maxUnusedItems)
            {
                erasedPage = page;
                maxUnusedItems = unused;
            }
        }
        if (maxUnusedItems == 0 || erasedPage == null) return NvsError.NotEnoughSpace;

        int usedEntries = erasedPage.UsedEntryCount;
        var err = erasedPage.MarkFreeing();
        if (err != NvsError.Ok) return err;
        // The FREEING state on flash is what drives recovery if power fails from here on.
        err = ActivatePage();
        if (err != NvsError.Ok) return err;
        var newPage = Back;
        err = erasedPage.CopyItems(newPage);
        if (err != NvsError.Ok && err != NvsError.NotFound) return err;
        erasedPage.Erase();
        if (usedEntries != newPage.UsedEntryCount) return NvsError.Fail;
        _pageList.Remove(erasedPage);
        _freePageList.AddLast(erasedPage);
        return NvsError.Ok;
    }

    /// <summary>PageManager::activatePage: takes the first free page (erasing it if CORRUPT) and gives it the
    /// next sequence number; its header is written when the first item goes in.</summary>
    private NvsError ActivatePage()
    {
        if (_freePageList.Count == 0) return NvsError.NotEnoughSpace;
        var p = _freePageList.First!.Value;
        if (p.State == NvsPageState.Corrupt) p.Erase();
        _freePageList.RemoveFirst();
        _pageList.Add(p);
        p.SetSeqNumber(_seqNumber);
        _seqNumber++;
        return NvsError.Ok;
    }
}
