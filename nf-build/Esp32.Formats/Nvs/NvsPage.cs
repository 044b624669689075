using System.Buffers.Binary;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.Nvs;

/// <summary>
/// One 4 KB NVS page as the device driver handles it (nvs::Page, src/nvs_page.cpp, ESP-IDF v5.5):
/// 32-byte header (state, seq, version 0xFE, 19 × 0xFF, CRC over bytes 4..27), 32-byte entry-state bitmap,
/// 126 entries. Methods return ESP-IDF error codes where upstream does, so the storage layer above can
/// follow the same control flow; flash exceptions (e.g. a power cut) propagate unchanged.
/// </summary>
internal sealed class NvsPage
{
    public const int InvalidEntry = int.MaxValue; // INVALID_ENTRY (0xffffffff) in upstream
    private const int HeaderSize = 32;

    private readonly NvsEntryStateTable _entryTable = new();
    private readonly NvsItemHashList _hashList = new();
    private NvsPartition _partition = null!;
    private int _baseAddress;
    private uint _seqNumber = uint.MaxValue;
    private byte _version = NvsConstants.Version2;
    private int _nextFreeEntry = InvalidEntry;
    private int _firstUsedEntry = InvalidEntry;
    private bool _chunkAwareDuplicateCheck;

    public NvsPageState State { get; private set; } = NvsPageState.Invalid;

    /// <summary>Index of this page (sector) inside the partition.</summary>
    public int SectorIndex { get; private set; }

    public int UsedEntryCount { get; private set; }

    public int ErasedEntryCount { get; private set; }

    /// <summary>Version byte from the header (or the one a fresh page will get).</summary>
    public byte Version => _version;

    // ---- header -------------------------------------------------------------------------------------

    /// <summary>Header::calculateCrc32: CRC over seq, version and reserved bytes (header bytes 4..27).</summary>
    public static uint CalculateHeaderCrc(ReadOnlySpan<byte> header32) => EspCrc32.Compute(header32.Slice(4, 24));

    /// <summary>Builds a 32-byte header (state, seq, version, 0xFF×19, CRC).</summary>
    public static byte[] BuildHeader(NvsPageState state, uint seq, byte version)
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)state);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), seq);
        header[8] = version;
        header.AsSpan(9, 19).Fill(0xFF);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), CalculateHeaderCrc(header));
        return header;
    }

    // ---- load ---------------------------------------------------------------------------------------

    /// <summary>Page::load: reads the header, classifies the page and, for live pages, loads the entry
    /// table and repairs what a power loss may have left half-written.</summary>
    public NvsError Load(NvsPartition partition, int sectorIndex, bool chunkAwareDuplicateCheck = false)
    {
        _chunkAwareDuplicateCheck = chunkAwareDuplicateCheck;
        _partition = partition;
        SectorIndex = sectorIndex;
        _baseAddress = sectorIndex * NvsConstants.PageSize;
        UsedEntryCount = 0;
        ErasedEntryCount = 0;

        Span<byte> header = stackalloc byte[HeaderSize];
        _partition.ReadRaw(_baseAddress, header);
        var headerState = (NvsPageState)BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (headerState == NvsPageState.Uninitialized)
        {
            State = NvsPageState.Uninitialized;
            // An erased header with anything but 0xFF behind it is a page whose erase or first write was cut.
            var block = new byte[512];
            for (int i = 0; i < NvsConstants.PageSize; i += block.Length)
            {
                _partition.ReadRaw(_baseAddress + i, block);
                if (block.AsSpan().ContainsAnyExcept((byte)0xFF))
                {
                    State = NvsPageState.Corrupt;
                    break;
                }
            }
        }
        else if (BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != CalculateHeaderCrc(header))
        {
            // Upstream sets header.mState (a local) to CORRUPT; mState stays INVALID and the switch
            // below turns it into CORRUPT: the page is skipped, kept for diagnostics, erased when needed.
        }
        else
        {
            State = headerState;
            _seqNumber = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (header[8] < NvsConstants.Version2) return NvsError.NewVersionFound;
            _version = header[8];
        }

        switch (State)
        {
            case NvsPageState.Uninitialized:
                break;
            case NvsPageState.Full:
            case NvsPageState.Active:
            case NvsPageState.Freeing:
                return LoadEntryTable();
            default:
                State = NvsPageState.Corrupt;
                break;
        }
        return NvsError.Ok;
    }

    /// <summary>Page::mLoadEntryTable.</summary>
    private NvsError LoadEntryTable()
    {
        Span<byte> table = stackalloc byte[32];
        _partition.ReadRaw(_baseAddress + NvsConstants.EntryTableOffset, table);
        _entryTable.Load(table);

        ErasedEntryCount = 0;
        UsedEntryCount = 0;
        for (int i = 0; i < NvsConstants.EntryCount; i++)
        {
            var s = _entryTable.Get(i);
            if (s == NvsEntryState.Written)
            {
                if (_firstUsedEntry == InvalidEntry) _firstUsedEntry = i;
                UsedEntryCount++;
            }
            else if (s == NvsEntryState.Erased)
            {
                ErasedEntryCount++;
            }
        }

        if (State == NvsPageState.Active)
        {
            for (int i = 0; i < NvsConstants.EntryCount; i++)
            {
                if (_entryTable.Get(i) == NvsEntryState.Empty)
                {
                    _nextFreeEntry = i;
                    break;
                }
            }

            // Power may have failed after an entry was programmed but before its bitmap bits were:
            // such entries are recognised by a non-erased first word and marked erased.
            Span<byte> word = stackalloc byte[4];
            while (_nextFreeEntry < NvsConstants.EntryCount)
            {
                _partition.ReadRaw(EntryAddress(_nextFreeEntry), word);
                if (BinaryPrimitives.ReadUInt32LittleEndian(word) == 0xFFFFFFFF) break;
                var oldState = _entryTable.Get(_nextFreeEntry);
                AlterEntryState(_nextFreeEntry, NvsEntryState.Erased);
                _nextFreeEntry++;
                if (oldState == NvsEntryState.Written) UsedEntryCount--;
                ErasedEntryCount++;
            }

            // Check that every variable-length item is completely written, and drop duplicates.
            NvsItem? item = null;
            int lastItemIndex = InvalidEntry;
            int end = Math.Min(_nextFreeEntry, NvsConstants.EntryCount);
            int span;
            for (int i = 0; i < end; i += span)
            {
                span = 1;
                var s = _entryTable.Get(i);
                if (s == NvsEntryState.Erased)
                {
                    lastItemIndex = InvalidEntry;
                    continue;
                }
                if (s == NvsEntryState.Illegal)
                {
                    lastItemIndex = InvalidEntry;
                    EraseEntryAndSpan(i);
                    continue;
                }

                lastItemIndex = i;
                item = ReadEntry(i);
                if (!item.CheckHeaderConsistency(i))
                {
                    EraseEntryAndSpan(i);
                    continue;
                }

                _hashList.Insert(item, i);
                int duplicateIndex = _hashList.Find(0, item.HashKey);

                if (NvsItemTypes.IsVariableLength(item.Type))
                {
                    span = item.Span;
                    bool needErase = false;
                    for (int j = i; j < i + span; j++)
                    {
                        if (_entryTable.Get(j) != NvsEntryState.Written)
                        {
                            needErase = true;
                            lastItemIndex = InvalidEntry;
                            break;
                        }
                    }
                    if (needErase)
                    {
                        EraseEntryAndSpan(i);
                        continue;
                    }
                }

                // The hash ignores the type, so an old-format BLOB next to a new BLOB_IDX is removed too.
                if (duplicateIndex >= 0 && duplicateIndex < i) EraseEntryAndSpan(duplicateIndex);
            }

            // Check that the last item is not a duplicate. Upstream searches with CHUNK_ANY, so for a BLOB_DATA
            // last item it finds the first chunk of the same key on the page, whatever its index (see
            // NvsMountOptions.ChunkAwareDuplicateCheck for what that does to a rewritten blob).
            if (lastItemIndex != InvalidEntry && item != null)
            {
                int findItemIndex = 0;
                byte chunk = _chunkAwareDuplicateCheck && item.Type == NvsItemType.BlobData ? item.ChunkIndex : NvsConstants.ChunkAny;
                if (FindItem(item.NsIndex, item.Type, item.KeyBytes.ToArray(), ref findItemIndex, out _, chunk) == NvsError.Ok
                    && findItemIndex < lastItemIndex)
                {
                    EraseEntryAndSpan(findItemIndex);
                }
            }
        }
        else if (State is NvsPageState.Full or NvsPageState.Freeing)
        {
            for (int i = _firstUsedEntry; i < NvsConstants.EntryCount; i++)
            {
                if (_entryTable.Get(i) != NvsEntryState.Written) continue;
                var item = ReadEntry(i);
                if (!item.CheckHeaderConsistency(i))
                {
                    EraseEntryAndSpan(i);
                    continue;
                }
                _hashList.Insert(item, i);
                int span = item.Span;
                if (NvsItemTypes.IsVariableLength(item.Type))
                {
                    for (int j = i + 1; j < i + span; j++)
                    {
                        if (_entryTable.Get(j) != NvsEntryState.Written)
                        {
                            EraseEntryAndSpan(i);
                            break;
                        }
                    }
                }
                i += span - 1;
            }
        }
        return NvsError.Ok;
    }

    // ---- write --------------------------------------------------------------------------------------

    /// <summary>Page::initialize: writes the header (state ACTIVE) of a fresh page.</summary>
    private void Initialize()
    {
        if (State != NvsPageState.Uninitialized) throw new InvalidOperationException("only an uninitialized page can be initialized");
        State = NvsPageState.Active;
        _partition.WriteRaw(_baseAddress, BuildHeader(State, _seqNumber, _version));
        _nextFreeEntry = 0;
        _entryTable.Fill();
    }

    private int EntryAddress(int entry) => _baseAddress + NvsConstants.EntryDataOffset + entry * NvsConstants.EntrySize;

    /// <summary>Page::writeEntry: programs one entry at the next free slot, then marks it WRITTEN.</summary>
    private void WriteEntry(NvsItem item)
    {
        _partition.Write(EntryAddress(_nextFreeEntry), item.Raw);
        AlterEntryState(_nextFreeEntry, NvsEntryState.Written);
        if (_firstUsedEntry == InvalidEntry) _firstUsedEntry = _nextFreeEntry;
        UsedEntryCount++;
        _nextFreeEntry++;
    }

    /// <summary>Page::writeEntryData: programs whole data entries in one write, then marks them WRITTEN.</summary>
    private void WriteEntryData(ReadOnlySpan<byte> data)
    {
        int count = data.Length / NvsConstants.EntrySize;
        _partition.Write(EntryAddress(_nextFreeEntry), data);
        AlterEntryRangeState(_nextFreeEntry, _nextFreeEntry + count, NvsEntryState.Written);
        UsedEntryCount += count;
        _nextFreeEntry += count;
    }

    /// <summary>Page::writeItem: header entry (with data CRC for variable-length types), whole data entries,
    /// then the 0xFF-padded tail entry.</summary>
    public NvsError WriteItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, byte chunkIndex = NvsConstants.ChunkAny)
    {
        if (State == NvsPageState.Invalid) return NvsError.InvalidState;
        if (State == NvsPageState.Uninitialized) Initialize();
        if (State == NvsPageState.Full) return NvsError.PageFull;

        int keyLength = key.IndexOf((byte)0) is var nul and >= 0 ? nul : key.Length;
        if (keyLength > NvsConstants.MaxKeyLength) return NvsError.KeyTooLong;
        if (data.Length > NvsConstants.ChunkMaxSize) return NvsError.ValueTooLong;
        bool varLength = NvsItemTypes.IsVariableLength(type);
        if (!varLength && data.Length > 8) return NvsError.InvalidArg;

        int totalSize = NvsConstants.EntrySize;
        int entriesCount = 1;
        if (varLength)
        {
            int roundedSize = (data.Length + NvsConstants.EntrySize - 1) & ~(NvsConstants.EntrySize - 1);
            totalSize += roundedSize;
            entriesCount += roundedSize / NvsConstants.EntrySize;
        }
        if (_nextFreeEntry == InvalidEntry || _nextFreeEntry + entriesCount > NvsConstants.EntryCount) return NvsError.PageFull;

        byte span = (byte)((totalSize + NvsConstants.EntrySize - 1) / NvsConstants.EntrySize);
        var item = NvsItem.Create(nsIndex, type, span, key, chunkIndex);
        _hashList.Insert(item, _nextFreeEntry);

        if (!varLength)
        {
            data.CopyTo(item.Data);
            item.Crc32 = item.CalculateCrc32();
            WriteEntry(item);
            return NvsError.Ok;
        }

        item.VarDataCrc32 = EspCrc32.Compute(data);
        item.VarDataSize = (ushort)data.Length;
        item.VarReserved = 0xFFFF;
        item.Crc32 = item.CalculateCrc32();
        WriteEntry(item);

        int rest = data.Length % NvsConstants.EntrySize;
        int left = data.Length - rest;
        if (left > 0) WriteEntryData(data[..left]);
        if (rest > 0)
        {
            var tail = new NvsItem();
            tail.Raw.AsSpan().Fill(0xFF);
            data[left..].CopyTo(tail.Raw);
            WriteEntry(tail);
        }
        return NvsError.Ok;
    }

    // ---- read / compare -----------------------------------------------------------------------------

    private NvsItem ReadEntry(int index)
    {
        var raw = new byte[NvsConstants.EntrySize];
        _partition.Read(EntryAddress(index), raw);
        return new NvsItem(raw);
    }

    /// <summary>Page::readVariableLengthItemData: copies the payload of the item at <paramref name="index"/>
    /// and checks its data CRC; a mismatch erases the item and reports NOT_FOUND.</summary>
    public NvsError ReadVariableLengthItemData(NvsItem item, int index, Span<byte> destination)
    {
        if (State == NvsPageState.Invalid) return NvsError.InvalidState;
        int left = item.VarDataSize;
        int dst = 0;
        for (int i = index + 1; i < index + item.Span; i++)
        {
            var entry = ReadEntry(i);
            int willCopy = Math.Min(left, NvsConstants.EntrySize);
            entry.Raw.AsSpan(0, willCopy).CopyTo(destination[dst..]);
            left -= willCopy;
            dst += willCopy;
        }
        if (EspCrc32.Compute(destination[..item.VarDataSize]) != item.VarDataCrc32)
        {
            EraseEntryAndSpan(index);
            return NvsError.NotFound;
        }
        return NvsError.Ok;
    }

    /// <summary>Page::readItem.</summary>
    public NvsError ReadItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, Span<byte> destination, byte chunkIndex = NvsConstants.ChunkAny, byte chunkStart = 0xFF)
    {
        if (State == NvsPageState.Invalid) return NvsError.InvalidState;
        int index = 0;
        var rc = FindItem(nsIndex, type, key, ref index, out var item, chunkIndex, chunkStart);
        if (rc != NvsError.Ok) return rc;
        if (!NvsItemTypes.IsVariableLength(type))
        {
            if (destination.Length != NvsItemTypes.PrimitiveSize(type)) return NvsError.TypeMismatch;
            item!.Data[..destination.Length].CopyTo(destination);
            return NvsError.Ok;
        }
        if (destination.Length < item!.VarDataSize) return NvsError.InvalidLength;
        return ReadVariableLengthItemData(item, index, destination);
    }

    /// <summary>Page::cmpItem: OK if the stored value equals <paramref name="data"/>, CONTENT_DIFFERS otherwise.</summary>
    public NvsError CmpItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, byte chunkIndex = NvsConstants.ChunkAny, byte chunkStart = 0xFF)
    {
        if (State == NvsPageState.Invalid) return NvsError.InvalidState;
        int index = 0;
        var rc = FindItem(nsIndex, type, key, ref index, out var item, chunkIndex, chunkStart);
        if (rc != NvsError.Ok) return rc;
        if (!NvsItemTypes.IsVariableLength(type))
        {
            if (data.Length != NvsItemTypes.PrimitiveSize(type)) return NvsError.TypeMismatch;
            return item!.Data[..data.Length].SequenceEqual(data) ? NvsError.Ok : NvsError.ContentDiffers;
        }
        if (data.Length < item!.VarDataSize) return NvsError.InvalidLength;
        if (EspCrc32.Compute(data[..item.VarDataSize]) != item.VarDataCrc32) return NvsError.ContentDiffers;

        int left = item.VarDataSize;
        int offset = 0;
        uint accumulated = 0;
        int first = index + 1;
        for (int i = first; i < index + item.Span; i++)
        {
            var entry = ReadEntry(i);
            int willCopy = Math.Min(left, NvsConstants.EntrySize);
            if (!data.Slice(offset, willCopy).SequenceEqual(entry.Raw.AsSpan(0, willCopy))) return NvsError.ContentDiffers;
            accumulated = i == first ? EspCrc32.Compute(entry.Raw.AsSpan(0, willCopy)) : EspCrc32.Append(accumulated, entry.Raw.AsSpan(0, willCopy));
            left -= willCopy;
            offset += willCopy;
        }
        // Upstream leaves accumulatedCRC32 uninitialised for an empty payload (span 1, the loop does not
        // run); here an empty payload compares equal, as its CRC (0xFFFFFFFF) already matched above.
        if (item.Span == 1) accumulated = EspCrc32.Compute(ReadOnlySpan<byte>.Empty);
        return accumulated == item.VarDataCrc32 ? NvsError.Ok : NvsError.ContentDiffers;
    }

    // ---- erase --------------------------------------------------------------------------------------

    /// <summary>Page::eraseItem.</summary>
    public NvsError EraseItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, byte chunkIndex = NvsConstants.ChunkAny, byte chunkStart = 0xFF)
    {
        int index = 0;
        var rc = FindItem(nsIndex, type, key, ref index, out _, chunkIndex, chunkStart);
        if (rc != NvsError.Ok) return rc;
        return EraseEntryAndSpan(index);
    }

    /// <summary>Page::eraseEntryAndSpan: marks the item at <paramref name="index"/> and its data entries ERASED
    /// (v5.5: the entry bytes themselves stay as they are).</summary>
    public NvsError EraseEntryAndSpan(int index)
    {
        var state = _entryTable.Get(index);
        int span = 1;
        if (state == NvsEntryState.Written)
        {
            var item = ReadEntry(index);
            if (!item.CheckHeaderConsistency(index))
            {
                _hashList.Erase(index);
                AlterEntryState(index, NvsEntryState.Erased);
                UsedEntryCount--;
                ErasedEntryCount++;
            }
            else
            {
                _hashList.Erase(index);
                span = item.Span;
                for (int i = index + span - 1; i >= index; i--)
                {
                    if (_entryTable.Get(i) == NvsEntryState.Written) UsedEntryCount--;
                    ErasedEntryCount++;
                }
                if (span == 1) AlterEntryState(index, NvsEntryState.Erased);
                else AlterEntryRangeState(index, index + span, NvsEntryState.Erased);
            }
        }
        else
        {
            AlterEntryState(index, NvsEntryState.Erased);
        }

        if (index == _firstUsedEntry) UpdateFirstUsedEntry(index, span);
        if (index + span > _nextFreeEntry) _nextFreeEntry = index + span;
        return NvsError.Ok;
    }

    private void UpdateFirstUsedEntry(int index, int span)
    {
        _firstUsedEntry = InvalidEntry;
        int end = Math.Min(_nextFreeEntry, NvsConstants.EntryCount);
        for (int i = index + span; i < end; i++)
        {
            if (_entryTable.Get(i) == NvsEntryState.Written)
            {
                _firstUsedEntry = i;
                break;
            }
        }
    }

    /// <summary>Page::alterEntryState: updates the RAM table and programs the one bitmap word holding the entry.</summary>
    private void AlterEntryState(int index, NvsEntryState state)
    {
        _entryTable.Set(index, state);
        WriteTableWord(NvsEntryStateTable.WordIndex(index));
    }

    /// <summary>Page::alterEntryRangeState: walks the range from its end and programs each touched word once,
    /// highest word first.</summary>
    private void AlterEntryRangeState(int begin, int end, NvsEntryState state)
    {
        int wordIndex = NvsEntryStateTable.WordIndex(end - 1);
        for (int i = end - 1; i >= begin; i--)
        {
            _entryTable.Set(i, state);
            int nextWordIndex = i == begin ? -1 : NvsEntryStateTable.WordIndex(i - 1);
            if (nextWordIndex != wordIndex) WriteTableWord(wordIndex);
            wordIndex = nextWordIndex;
        }
    }

    private void WriteTableWord(int wordIndex)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, _entryTable.Word(wordIndex));
        _partition.WriteRaw(_baseAddress + NvsConstants.EntryTableOffset + wordIndex * 4, word);
    }

    private void AlterPageState(NvsPageState state)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)state);
        _partition.WriteRaw(_baseAddress, word);
        State = state;
    }

    // ---- find ---------------------------------------------------------------------------------------

    /// <summary>
    /// Page::findItem: the first live item at or after <paramref name="itemIndex"/> that matches. A null
    /// <paramref name="key"/> and <see cref="NvsConstants.NamespaceAny"/> are wildcards; a keyed search uses
    /// the hash list to jump to the first candidate. Inconsistent entries met on the way are erased.
    /// </summary>
    public NvsError FindItem(byte nsIndex, NvsItemType type, ReadOnlySpan<byte> key, ref int itemIndex, out NvsItem? item,
        byte chunkIndex = NvsConstants.ChunkAny, byte chunkStart = 0xFF, bool keyIsNull = false)
    {
        item = null;
        if (State is NvsPageState.Corrupt or NvsPageState.Invalid or NvsPageState.Uninitialized) return NvsError.NotFound;
        int findBeginIndex = itemIndex;
        if (findBeginIndex >= NvsConstants.EntryCount) return NvsError.NotFound;

        int start = _firstUsedEntry;
        if (findBeginIndex > _firstUsedEntry && findBeginIndex < NvsConstants.EntryCount) start = findBeginIndex;
        int end = Math.Min(_nextFreeEntry, NvsConstants.EntryCount);

        if (nsIndex != NvsConstants.NamespaceAny && !keyIsNull && (type != NvsItemType.BlobData || chunkIndex != NvsConstants.ChunkAny))
        {
            var probe = NvsItem.Create(nsIndex, type, 0, key, chunkIndex);
            int cached = _hashList.Find(start, probe.HashKey);
            if (cached < 0) return NvsError.NotFound;
            start = cached;
        }

        int next;
        for (int i = start; i < end; i = next)
        {
            next = i + 1;
            if (_entryTable.Get(i) != NvsEntryState.Written) continue;
            var candidate = ReadEntry(i);
            item = candidate;
            if (!candidate.CheckHeaderConsistency(i))
            {
                EraseEntryAndSpan(i);
                continue;
            }
            if (NvsItemTypes.IsVariableLength(candidate.Type)) next = i + candidate.Span;
            if (nsIndex != NvsConstants.NamespaceAny && candidate.NsIndex != nsIndex) continue;
            if (!keyIsNull && !candidate.KeyEquals(key)) continue;
            // Blob data: the chunk index must match when one is given.
            if (chunkIndex != NvsConstants.ChunkAny && type == NvsItemType.BlobData && candidate.ChunkIndex != chunkIndex) continue;
            // Searching any chunk of BLOB_DATA skips BLOB_IDX/BLOB of the same key.
            if (chunkIndex == NvsConstants.ChunkAny && type == NvsItemType.BlobData && candidate.Type != NvsItemType.BlobData) continue;
            // A v1 BLOB search that meets a v2 BLOB_IDX reports a type mismatch.
            if (chunkIndex == NvsConstants.ChunkAny && type == NvsItemType.Blob && candidate.Type == NvsItemType.BlobIndex) return NvsError.TypeMismatch;
            if (chunkIndex == NvsConstants.ChunkAny && type == NvsItemType.Blob && candidate.Type == NvsItemType.BlobData) continue;
            // A blob index search skips the data chunks (which share ns and key).
            if (type == NvsItemType.BlobIndex && candidate.ChunkIndex != NvsConstants.ChunkAny) continue;
            if (type == NvsItemType.BlobIndex && chunkStart != 0xFF && candidate.BlobIndexChunkStart != chunkStart) continue;
            if (type != NvsItemType.Any && candidate.Type != type)
            {
                if (keyIsNull && nsIndex == NvsConstants.NamespaceAny && chunkIndex == NvsConstants.ChunkAny) continue;
                itemIndex = i;
                return NvsError.TypeMismatch;
            }
            itemIndex = i;
            return NvsError.Ok;
        }
        return NvsError.NotFound;
    }

    /// <summary>Wildcard-key variant of <see cref="FindItem"/> (key == nullptr upstream).</summary>
    public NvsError FindAny(byte nsIndex, NvsItemType type, ref int itemIndex, out NvsItem? item) =>
        FindItem(nsIndex, type, ReadOnlySpan<byte>.Empty, ref itemIndex, out item, keyIsNull: true);

    // ---- page lifecycle -----------------------------------------------------------------------------

    public NvsError GetSeqNumber(out uint seq)
    {
        seq = _seqNumber;
        return State is not (NvsPageState.Uninitialized or NvsPageState.Invalid or NvsPageState.Corrupt)
            ? NvsError.Ok : NvsError.NotInitialized;
    }

    public NvsError SetSeqNumber(uint seq)
    {
        if (State != NvsPageState.Uninitialized) return NvsError.InvalidState;
        _seqNumber = seq;
        return NvsError.Ok;
    }

    /// <summary>Page::erase: erases the sector and resets the page to UNINITIALIZED.</summary>
    public void Erase()
    {
        _partition.EraseRange(_baseAddress, NvsConstants.PageSize);
        UsedEntryCount = 0;
        ErasedEntryCount = 0;
        _firstUsedEntry = InvalidEntry;
        _nextFreeEntry = InvalidEntry;
        State = NvsPageState.Uninitialized;
        _hashList.Clear();
    }

    public NvsError MarkFreeing()
    {
        if (State is not (NvsPageState.Full or NvsPageState.Active)) return NvsError.InvalidState;
        AlterPageState(NvsPageState.Freeing);
        return NvsError.Ok;
    }

    public NvsError MarkFull()
    {
        if (State != NvsPageState.Active) return NvsError.InvalidState;
        AlterPageState(NvsPageState.Full);
        return NvsError.Ok;
    }

    /// <summary>Page::getVarDataTailroom: payload bytes a new variable-length item can still get on this page.</summary>
    public int VarDataTailroom
    {
        get
        {
            if (State == NvsPageState.Uninitialized) return NvsConstants.ChunkMaxSize;
            if (State == NvsPageState.Full) return 0;
            return _nextFreeEntry < NvsConstants.EntryCount - 1 ? (NvsConstants.EntryCount - _nextFreeEntry - 1) * NvsConstants.EntrySize : 0;
        }
    }

    /// <summary>Page::copyItems: copies every live entry (headers and data) to <paramref name="other"/>, in
    /// order, one entry write each; on an encrypted partition each entry is decrypted and re-encrypted
    /// for its new address.</summary>
    public NvsError CopyItems(NvsPage other)
    {
        if (_firstUsedEntry == InvalidEntry) return NvsError.NotFound;
        if (other.State == NvsPageState.Uninitialized) other.Initialize();

        int readEntryIndex = _firstUsedEntry;
        while (readEntryIndex < NvsConstants.EntryCount)
        {
            if (_entryTable.Get(readEntryIndex) != NvsEntryState.Written)
            {
                if (readEntryIndex == _firstUsedEntry) return NvsError.Fail;
                readEntryIndex++;
                continue;
            }
            var entry = ReadEntry(readEntryIndex);
            other._hashList.Insert(entry, other._nextFreeEntry);
            other.WriteEntry(entry);
            int span = entry.Span;
            int end = readEntryIndex + span;
            if (end > NvsConstants.EntryCount) return NvsError.Fail;
            for (int i = readEntryIndex + 1; i < end; i++) other.WriteEntry(ReadEntry(i));
            readEntryIndex = end;
        }
        return NvsError.Ok;
    }
}
