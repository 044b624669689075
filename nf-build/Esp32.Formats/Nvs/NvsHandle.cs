using System.Text;

namespace Esp32.Formats.Nvs;

/// <summary>
/// An open namespace (nvs::NVSHandleSimple, src/nvs_handle_simple.cpp, plus the nvs_get_str/nvs_get_blob
/// size logic of nvs_api.cpp). Failures throw <see cref="NvsException"/> carrying the ESP-IDF code the
/// device would return (NotFound, TypeMismatch, ReadOnly, NotEnoughSpace, KeyTooLong, ValueTooLong…).
/// </summary>
public sealed class NvsHandle
{
    private readonly NvsStorage _storage;
    private readonly byte _nsIndex;

    internal NvsHandle(NvsStorage storage, string namespaceName, byte nsIndex, bool readOnly)
    {
        _storage = storage;
        Namespace = namespaceName;
        _nsIndex = nsIndex;
        IsReadOnly = readOnly;
    }

    /// <summary>Namespace name.</summary>
    public string Namespace { get; }

    /// <summary>Opened with NVS_READONLY.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Index of the namespace (1..254).</summary>
    public byte NamespaceIndex => _nsIndex;

    /// <summary>nvs_set_u8.</summary>
    public void SetU8(string key, byte value) => SetPrimitive(key, NvsItemType.U8, value);
    /// <summary>nvs_set_i8.</summary>
    public void SetI8(string key, sbyte value) => SetPrimitive(key, NvsItemType.I8, (ulong)value);
    /// <summary>nvs_set_u16.</summary>
    public void SetU16(string key, ushort value) => SetPrimitive(key, NvsItemType.U16, value);
    /// <summary>nvs_set_i16.</summary>
    public void SetI16(string key, short value) => SetPrimitive(key, NvsItemType.I16, (ulong)value);
    /// <summary>nvs_set_u32.</summary>
    public void SetU32(string key, uint value) => SetPrimitive(key, NvsItemType.U32, value);
    /// <summary>nvs_set_i32.</summary>
    public void SetI32(string key, int value) => SetPrimitive(key, NvsItemType.I32, (ulong)value);
    /// <summary>nvs_set_u64.</summary>
    public void SetU64(string key, ulong value) => SetPrimitive(key, NvsItemType.U64, value);
    /// <summary>nvs_set_i64.</summary>
    public void SetI64(string key, long value) => SetPrimitive(key, NvsItemType.I64, (ulong)value);

    /// <summary>nvs_get_u8.</summary>
    public byte GetU8(string key) => (byte)GetPrimitive(key, NvsItemType.U8);
    /// <summary>nvs_get_i8.</summary>
    public sbyte GetI8(string key) => (sbyte)GetPrimitive(key, NvsItemType.I8);
    /// <summary>nvs_get_u16.</summary>
    public ushort GetU16(string key) => (ushort)GetPrimitive(key, NvsItemType.U16);
    /// <summary>nvs_get_i16.</summary>
    public short GetI16(string key) => (short)GetPrimitive(key, NvsItemType.I16);
    /// <summary>nvs_get_u32.</summary>
    public uint GetU32(string key) => (uint)GetPrimitive(key, NvsItemType.U32);
    /// <summary>nvs_get_i32.</summary>
    public int GetI32(string key) => (int)GetPrimitive(key, NvsItemType.I32);
    /// <summary>nvs_get_u64.</summary>
    public ulong GetU64(string key) => GetPrimitive(key, NvsItemType.U64);
    /// <summary>nvs_get_i64.</summary>
    public long GetI64(string key) => (long)GetPrimitive(key, NvsItemType.I64);

    /// <summary>nvs_set_str: stores the UTF-8 bytes plus a NUL (at most 4000 bytes in all, else ValueTooLong).</summary>
    public void SetString(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0')) throw new ArgumentException("an NVS string is NUL-terminated and cannot contain NUL", nameof(value));
        var bytes = Encoding.UTF8.GetBytes(value + "\0");
        Set(key, NvsItemType.String, bytes, "nvs_set_str");
    }

    /// <summary>nvs_get_str: the stored string without its terminating NUL.</summary>
    public string GetString(string key)
    {
        var bytes = GetVariable(key, NvsItemType.String, "nvs_get_str");
        int length = bytes.Length > 0 && bytes[^1] == 0 ? bytes.Length - 1 : bytes.Length;
        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    /// <summary>nvs_set_blob (multi-page blob, format v2).</summary>
    public void SetBlob(string key, ReadOnlySpan<byte> value) => Set(key, NvsItemType.Blob, value, "nvs_set_blob");

    /// <summary>nvs_get_blob.</summary>
    public byte[] GetBlob(string key) => GetVariable(key, NvsItemType.Blob, "nvs_get_blob");

    /// <summary>nvs_find_key: the type stored under <paramref name="key"/> (blobs report BlobData), or null.</summary>
    public NvsItemType? FindKey(string key)
    {
        var err = _storage.FindKey(_nsIndex, KeyBytes(key, "key"), out var type);
        if (err == NvsError.NotFound) return null;
        Check(err, "nvs_find_key", key);
        return type is NvsItemType.BlobIndex or NvsItemType.Blob ? NvsItemType.BlobData : type;
    }

    /// <summary>nvs_erase_key.</summary>
    public void EraseKey(string key)
    {
        if (IsReadOnly) throw new NvsException(NvsError.ReadOnly, $"nvs_erase_key(\"{key}\")");
        Check(_storage.EraseItem(_nsIndex, KeyBytes(key, "key")), "nvs_erase_key", key);
    }

    /// <summary>nvs_erase_all: erases every key of this namespace.</summary>
    public void EraseAll()
    {
        if (IsReadOnly) throw new NvsException(NvsError.ReadOnly, $"nvs_erase_all(\"{Namespace}\")");
        Check(_storage.EraseNamespace(_nsIndex), "nvs_erase_all", Namespace);
    }

    /// <summary>nvs_commit: a no-op in ESP-IDF v5.5 (every set is already on flash).</summary>
    public void Commit() { }

    /// <summary>Keys of this namespace with their types (nvs_entry_find on this namespace).</summary>
    public IReadOnlyList<NvsEntryInfo> ListEntries() => _storage.ListEntries(Namespace);

    // ---- helpers ------------------------------------------------------------------------------------

    internal static byte[] KeyBytes(string key, string what)
    {
        ArgumentNullException.ThrowIfNull(key, what);
        if (key.Contains('\0')) throw new ArgumentException($"an NVS {what} cannot contain NUL", what);
        return Encoding.UTF8.GetBytes(key);
    }

    private void SetPrimitive(string key, NvsItemType type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BitConverter.TryWriteBytes(bytes, value);
        Set(key, type, bytes[..NvsItemTypes.PrimitiveSize(type)], "nvs_set_" + type.ToString().ToLowerInvariant());
    }

    private void Set(string key, NvsItemType type, ReadOnlySpan<byte> data, string api)
    {
        if (IsReadOnly) throw new NvsException(NvsError.ReadOnly, $"{api}(\"{key}\")");
        Check(_storage.WriteItem(_nsIndex, type, KeyBytes(key, "key"), data), api, key);
    }

    private ulong GetPrimitive(string key, NvsItemType type)
    {
        int size = NvsItemTypes.PrimitiveSize(type);
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        Check(_storage.ReadItem(_nsIndex, type, KeyBytes(key, "key"), bytes[..size]), "nvs_get_" + type.ToString().ToLowerInvariant(), key);
        ulong raw = BitConverter.ToUInt64(bytes);
        if (NvsItemTypes.IsSigned(type) && size < 8)
        {
            int shift = 64 - size * 8;
            raw = (ulong)((long)(raw << shift) >> shift);
        }
        return raw;
    }

    private byte[] GetVariable(string key, NvsItemType type, string api)
    {
        var keyBytes = KeyBytes(key, "key");
        Check(_storage.GetItemDataSize(_nsIndex, type, keyBytes, out int size), api, key);
        var buffer = new byte[size];
        Check(_storage.ReadItem(_nsIndex, type, keyBytes, buffer), api, key);
        return buffer;
    }

    private void Check(NvsError err, string api, string key)
    {
        if (err != NvsError.Ok) throw new NvsException(err, $"{api}(\"{Namespace}\", \"{key}\")");
    }
}
