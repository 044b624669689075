using System.Buffers.Binary;
using System.Text;

namespace Esp32.Formats.AppImage;

/// <summary>
/// <c>esp_app_desc_t</c> (components/esp_app_format/include/esp_app_desc.h, ESP-IDF v5.5): 256 bytes at
/// image offset 0x20, the start of the first (DROM) segment. Layout: magic_word 0xABCD5432 @0,
/// secure_version @4, reserv1[2] @8, version[32] @16, project_name[32] @48, time[16] @80, date[16] @96,
/// idf_ver[32] @112, app_elf_sha256[32] @144, min_efuse_blk_rev_full u16 @176, max_efuse_blk_rev_full
/// u16 @178, mmu_page_size u8 @180 (log2), reserv3[3] @181, reserv2[18] @184. Reserved fields are
/// written as zeros. Strings are NUL-terminated C strings (ESP-IDF's static asserts keep room for the NUL).
/// </summary>
public sealed record AppDescription
{
    /// <summary>Size of the struct.</summary>
    public const int Size = 256;

    /// <summary><c>ESP_APP_DESC_MAGIC_WORD</c>.</summary>
    public const uint MagicWord = 0xABCD5432;

    /// <summary>Offset of the struct in an app image: 24-byte image header + 8-byte segment header.</summary>
    public const int ImageOffset = AppImageHeader.Size + 8;

    private const int VersionOffset = 16, ProjectNameOffset = 48, TimeOffset = 80, DateOffset = 96, IdfVersionOffset = 112;
    private const int ElfSha256Offset = 144, MinEfuseOffset = 176, MaxEfuseOffset = 178, MmuPageSizeOffset = 180;
    private const int ShortStringSize = 16, LongStringSize = 32, Sha256Size = 32;

    private readonly byte[] _appElfSha256 = new byte[Sha256Size];

    /// <summary>secure_version (anti-rollback; CONFIG_BOOTLOADER_APP_SECURE_VERSION).</summary>
    public uint SecureVersion { get; init; }

    /// <summary>version (PROJECT_VER), at most 31 UTF-8 bytes.</summary>
    public string Version { get; init; } = "";

    /// <summary>project_name (PROJECT_NAME), at most 31 UTF-8 bytes.</summary>
    public string ProjectName { get; init; } = "";

    /// <summary>time (__TIME__, "hh:mm:ss"), at most 15 bytes.</summary>
    public string Time { get; init; } = "";

    /// <summary>date (__DATE__, "Mmm dd yyyy"), at most 15 bytes.</summary>
    public string Date { get; init; } = "";

    /// <summary>idf_ver (IDF_VER, e.g. "v5.5.5"), at most 31 bytes.</summary>
    public string IdfVersion { get; init; } = "";

    /// <summary>app_elf_sha256: SHA-256 of the ELF file (32 bytes).</summary>
    public ReadOnlyMemory<byte> AppElfSha256
    {
        get => _appElfSha256;
        init
        {
            if (value.Length != Sha256Size) throw new ArgumentException($"app_elf_sha256 is {Sha256Size} bytes, got {value.Length}", nameof(value));
            _appElfSha256 = value.ToArray();
        }
    }

    /// <summary>min_efuse_blk_rev_full (CONFIG_ESP_EFUSE_BLOCK_REV_MIN_FULL, ESP32 default 0).</summary>
    public ushort MinEfuseBlockRevFull { get; init; }

    /// <summary>max_efuse_blk_rev_full (CONFIG_ESP_EFUSE_BLOCK_REV_MAX_FULL, ESP32 default 99 = v0.99).</summary>
    public ushort MaxEfuseBlockRevFull { get; init; } = 99;

    /// <summary>mmu_page_size as log2 (ESP32: 16 for 64 KB pages; 0 in images older than v5.1).</summary>
    public byte MmuPageSizeLog2 { get; init; } = 16;

    /// <summary>The 256 bytes.</summary>
    /// <exception cref="Esp32FormatException">A string does not fit its field with a terminating NUL.</exception>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, MagicWord);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), SecureVersion);
        PutString(bytes, VersionOffset, LongStringSize, Version, "version");
        PutString(bytes, ProjectNameOffset, LongStringSize, ProjectName, "project_name");
        PutString(bytes, TimeOffset, ShortStringSize, Time, "time");
        PutString(bytes, DateOffset, ShortStringSize, Date, "date");
        PutString(bytes, IdfVersionOffset, LongStringSize, IdfVersion, "idf_ver");
        _appElfSha256.CopyTo(bytes, ElfSha256Offset);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(MinEfuseOffset), MinEfuseBlockRevFull);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(MaxEfuseOffset), MaxEfuseBlockRevFull);
        bytes[MmuPageSizeOffset] = MmuPageSizeLog2;
        return bytes;
    }

    /// <summary>
    /// Decodes the struct at the start of <paramref name="bytes"/>, or returns null when the magic word is
    /// missing (<c>bootloader_common_get_partition_description</c> → ESP_ERR_NOT_FOUND). Strings end at the
    /// first NUL or the end of their field.
    /// </summary>
    public static AppDescription? TryRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != MagicWord) return null;
        return new AppDescription
        {
            SecureVersion = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]),
            Version = GetString(bytes.Slice(VersionOffset, LongStringSize)),
            ProjectName = GetString(bytes.Slice(ProjectNameOffset, LongStringSize)),
            Time = GetString(bytes.Slice(TimeOffset, ShortStringSize)),
            Date = GetString(bytes.Slice(DateOffset, ShortStringSize)),
            IdfVersion = GetString(bytes.Slice(IdfVersionOffset, LongStringSize)),
            AppElfSha256 = bytes.Slice(ElfSha256Offset, Sha256Size).ToArray(),
            MinEfuseBlockRevFull = BinaryPrimitives.ReadUInt16LittleEndian(bytes[MinEfuseOffset..]),
            MaxEfuseBlockRevFull = BinaryPrimitives.ReadUInt16LittleEndian(bytes[MaxEfuseOffset..]),
            MmuPageSizeLog2 = bytes[MmuPageSizeOffset],
        };
    }

    private static void PutString(byte[] destination, int offset, int fieldSize, string value, string field)
    {
        byte[] encoded = Encoding.UTF8.GetBytes(value ?? "");
        if (encoded.Length >= fieldSize)
            throw new Esp32FormatException(
                $"esp_app_desc_t.{field} (offset {offset}): \"{value}\" is {encoded.Length} bytes; the {fieldSize}-byte field holds at most {fieldSize - 1} plus NUL");
        encoded.CopyTo(destination, offset);
    }

    private static string GetString(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? field[..nul] : field);
    }

    /// <inheritdoc />
    public bool Equals(AppDescription? other) =>
        other is not null
        && SecureVersion == other.SecureVersion && Version == other.Version && ProjectName == other.ProjectName
        && Time == other.Time && Date == other.Date && IdfVersion == other.IdfVersion
        && _appElfSha256.AsSpan().SequenceEqual(other._appElfSha256)
        && MinEfuseBlockRevFull == other.MinEfuseBlockRevFull && MaxEfuseBlockRevFull == other.MaxEfuseBlockRevFull
        && MmuPageSizeLog2 == other.MmuPageSizeLog2;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(SecureVersion, Version, ProjectName, Time, Date, IdfVersion, Convert.ToHexString(_appElfSha256));
}
