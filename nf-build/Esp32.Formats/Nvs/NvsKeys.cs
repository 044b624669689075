using System.Security.Cryptography;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.Nvs;

/// <summary>
/// The NVS encryption keys (<c>nvs_sec_cfg_t</c>): <c>eky</c>, the 32-byte XTS data key, followed by
/// <c>tky</c>, the 32-byte XTS tweak key. <see cref="ToXtsKey"/> gives the 64-byte key that
/// <see cref="NvsEncryptedPartition"/> and nvs_partition_gen's <c>--inputkey</c> take.
/// </summary>
/// <remarks>
/// Threat: whoever learns these keys can read and forge every encrypted NVS entry of the device (Wi-Fi
/// credentials, tokens…). On the device they are stored only in the nvs_keys partition, itself protected by
/// flash encryption, so a plain flash dump does not reveal them.
/// </remarks>
public sealed class NvsKeys
{
    /// <summary>Size of eky and of tky (NVS_KEY_SIZE).</summary>
    public const int KeySize = 32;

    /// <summary>Size of eky ‖ tky.</summary>
    public const int Size = 2 * KeySize;

    private readonly byte[] _bytes;

    /// <summary>Creates the keys from 64 bytes: eky (32) followed by tky (32).</summary>
    public NvsKeys(ReadOnlySpan<byte> ekyThenTky)
    {
        if (ekyThenTky.Length != Size)
            throw new Esp32FormatException($"NVS keys are eky[32] followed by tky[32] (64 bytes), got {ekyThenTky.Length} bytes");
        _bytes = ekyThenTky.ToArray();
    }

    /// <summary>eky: the XTS-AES-256 data key (first half of the XTS key).</summary>
    public ReadOnlySpan<byte> EncryptionKey => _bytes.AsSpan(0, KeySize);

    /// <summary>tky: the XTS-AES-256 tweak key (second half of the XTS key).</summary>
    public ReadOnlySpan<byte> TweakKey => _bytes.AsSpan(KeySize, KeySize);

    /// <summary>
    /// CRC stored after the keys: <c>esp_rom_crc32_le(0xFFFFFFFF, eky)</c> continued over tky, which equals
    /// one CRC over the 64 bytes (nvs_flash_generate_keys / nvs_partition_gen generate-key).
    /// </summary>
    public uint Crc => EspCrc32.Compute(_bytes, EspCrc32.EspSeed);

    /// <summary>Returns a copy of eky ‖ tky (64 bytes).</summary>
    public byte[] ToXtsKey() => (byte[])_bytes.Clone();

    /// <summary>
    /// Draws fresh keys from <paramref name="rng"/> (default: the system CSPRNG). Mirrors what
    /// <c>nvs_partition_gen.py generate-key</c> produces, but from a cryptographic generator.
    /// </summary>
    public static NvsKeys Generate(RandomNumberGenerator? rng = null)
    {
        Span<byte> buffer = stackalloc byte[Size];
        if (rng is null)
            RandomNumberGenerator.Fill(buffer);
        else
            rng.GetBytes(buffer);
        var keys = new NvsKeys(buffer);
        CryptographicOperations.ZeroMemory(buffer);
        return keys;
    }
}
