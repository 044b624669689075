using System.Buffers.Binary;
using Esp32.Formats.Flash;

namespace Esp32.Formats.Nvs;

/// <summary>
/// An NVS partition with NVS encryption (nvs::NVSEncryptedPartition, src/nvs_encrypted_partition.cpp):
/// every 32-byte entry is one XTS-AES-256 data unit with key1 = eky (data key), key2 = tky (tweak key)
/// and tweak = u32 little-endian relative address of the entry inside the partition, zero-padded to 16
/// bytes. Page headers and entry-state bitmaps go through the raw calls and stay plaintext.
/// </summary>
/// <remarks>
/// Threat model: someone holding a flash dump without the key learns the page headers (states, sequence
/// numbers), the entry-state bitmaps (how many entries are written or erased, hence roughly how many and
/// how large the items are) and, because XTS is deterministic per address, whether an entry at a given
/// address still holds the same plaintext as in an earlier dump. They cannot read namespaces, keys or
/// values. XTS has no integrity: ciphertext can be altered undetected except by the entry CRCs, which are
/// checksums, not MACs. The key itself lives in the nvs_keys partition, protected by flash encryption.
/// </remarks>
public sealed class NvsEncryptedPartition : NvsPartition, IDisposable
{
    private readonly XtsAes256 _xts;

    /// <summary>Wraps <paramref name="flash"/> with the 64-byte key eky‖tky (nvs_sec_cfg_t).</summary>
    public NvsEncryptedPartition(IFlashIo flash, ReadOnlySpan<byte> xtsKey, bool readOnly = false)
        : base(flash, readOnly)
    {
        if (xtsKey.Length != NvsConstants.XtsKeySize)
            throw new ArgumentException($"the NVS encryption key is eky[32] followed by tky[32] (64 bytes), got {xtsKey.Length} bytes", nameof(xtsKey));
        _xts = new XtsAes256(xtsKey);
    }

    /// <inheritdoc />
    public override bool IsEncrypted => true;

    /// <summary>Reads one entry and decrypts it (upstream accepts only 32-byte reads).</summary>
    public override void Read(int offset, Span<byte> destination)
    {
        if (destination.Length != NvsConstants.EntrySize)
            throw new ArgumentException("encrypted NVS reads are one 32-byte entry at a time (ESP_ERR_INVALID_SIZE)");
        Span<byte> cipher = stackalloc byte[NvsConstants.EntrySize];
        Flash.Read(offset, cipher);
        DecryptEntry(offset, cipher, destination);
    }

    /// <summary>Encrypts each 32-byte entry with its own address tweak, then writes all of them at once.</summary>
    public override void Write(int offset, ReadOnlySpan<byte> data)
    {
        if (data.Length % 16 != 0) throw new ArgumentException("encrypted NVS writes are multiples of 16 bytes (ESP_ERR_INVALID_SIZE)");
        var buffer = new byte[data.Length];
        for (int e = 0; e + NvsConstants.EntrySize <= data.Length; e += NvsConstants.EntrySize)
            EncryptEntry(offset + e, data.Slice(e, NvsConstants.EntrySize), buffer.AsSpan(e, NvsConstants.EntrySize));
        Flash.Write(offset, buffer);
    }

    /// <summary>XTS-encrypts one entry that lives at <paramref name="relativeAddress"/>.</summary>
    public void EncryptEntry(int relativeAddress, ReadOnlySpan<byte> plain, Span<byte> cipher)
    {
        Span<byte> tweak = stackalloc byte[16];
        MakeTweak(relativeAddress, tweak);
        _xts.Encrypt(tweak, plain, cipher);
    }

    /// <summary>XTS-decrypts one entry that lives at <paramref name="relativeAddress"/>.</summary>
    public void DecryptEntry(int relativeAddress, ReadOnlySpan<byte> cipher, Span<byte> plain)
    {
        Span<byte> tweak = stackalloc byte[16];
        MakeTweak(relativeAddress, tweak);
        _xts.Decrypt(tweak, cipher, plain);
    }

    private static void MakeTweak(int relativeAddress, Span<byte> tweak)
    {
        tweak.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(tweak, (uint)relativeAddress);
    }

    /// <inheritdoc />
    public void Dispose() => _xts.Dispose();
}
