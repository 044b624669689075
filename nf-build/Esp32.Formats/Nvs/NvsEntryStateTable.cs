using System.Buffers.Binary;

namespace Esp32.Formats.Nvs;

/// <summary>
/// The in-RAM copy of a page's 32-byte entry-state bitmap (CompressedEnumTable&lt;EntryState, 2, 126&gt;):
/// 2 bits per entry, entry i in little-endian word i/16 at bit (i%16)*2. Upstream writes back whole
/// 32-bit words, so this class exposes words for the page to program.
/// </summary>
internal sealed class NvsEntryStateTable
{
    public const int WordCount = 8;
    private readonly uint[] _words = new uint[WordCount];

    public NvsEntryStateTable() => Fill();

    /// <summary>All entries EMPTY (0xFFFFFFFF words), as after erase.</summary>
    public void Fill() => Array.Fill(_words, 0xFFFFFFFFu);

    public void Load(ReadOnlySpan<byte> raw32)
    {
        for (int w = 0; w < WordCount; w++) _words[w] = BinaryPrimitives.ReadUInt32LittleEndian(raw32[(w * 4)..]);
    }

    public NvsEntryState Get(int index) => (NvsEntryState)((_words[index / 16] >> (index % 16 * 2)) & 3);

    public void Set(int index, NvsEntryState state)
    {
        int shift = index % 16 * 2;
        ref uint word = ref _words[index / 16];
        word = (word & ~(3u << shift)) | ((uint)state << shift);
    }

    public static int WordIndex(int entryIndex) => entryIndex / 16;

    public uint Word(int wordIndex) => _words[wordIndex];
}
