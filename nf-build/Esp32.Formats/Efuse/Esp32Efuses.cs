using System.Numerics;
using System.Security.Cryptography;
using Esp32.Formats.FlashEncryption;

namespace Esp32.Formats.Efuse;

/// <summary>
/// The ESP32 eFuses that the security flows use (<see cref="Esp32EfuseFields"/>), with the rules of the silicon
/// and of espefuse: bits only ever go from 0 to 1, WR_DIS bits make fields unburnable, RD_DIS bits make fields
/// read as zero through the read API while the hardware (the flash encryption engine) still uses them.
/// Persisted by <see cref="Esp32EfuseFile"/>; comparable with espefuse through <see cref="EspefuseSummary"/>.
/// </summary>
/// <remarks>
/// Two views exist on purpose: <see cref="Read"/>/<see cref="ReadBlock1"/> are what software (ESP-IDF, espefuse)
/// gets, and <see cref="ReadHardware"/>/<see cref="GetHardwareFlashEncryptionKey"/> are what the chip's engines
/// use. Threat: on a real device a read-protected BLOCK1 cannot be read by any software or over JTAG; only the
/// AES engine sees it. A simulator necessarily keeps it in its eFuse file, so that file is as secret as the key.
/// </remarks>
public sealed class Esp32Efuses
{
    private readonly uint[] _values = new uint[Esp32EfuseFields.All.Count];
    private readonly byte[] _block1 = new byte[FlashEncryptionKeyFile.Size256];
    private readonly byte[] _block2 = new byte[FlashEncryptionKeyFile.Size256];

    /// <summary>The bytes of BLOCK1 in use: 32, or 24 under the 3/4 coding scheme.</summary>
    public int Block1Length => CodingScheme == Esp32CodingScheme.ThreeQuarters ? FlashEncryptionKeyFile.Size192 : FlashEncryptionKeyFile.Size256;

    // ---- generic field access -------------------------------------------------------------------------

    /// <summary>Software read of an integer/bool field: 0 if the field is read-protected (as espefuse shows raw_value).</summary>
    public uint Read(Esp32EfuseField field) => IsReadable(field) ? ReadHardware(field) : 0;

    /// <summary>The field's burned bits regardless of read protection (what the hardware acts on).</summary>
    public uint ReadHardware(Esp32EfuseField field)
    {
        RejectKeyBlock(field);
        return _values[IndexOf(field)];
    }

    /// <summary>False when the field's RD_DIS bit is burned.</summary>
    public bool IsReadable(Esp32EfuseField field) =>
        field.ReadDisableBit is not int bit || (RawRdDis & (1u << bit)) == 0;

    /// <summary>False when the field's WR_DIS bit is burned.</summary>
    public bool IsWriteable(Esp32EfuseField field) => (RawWrDis & (1u << field.WriteDisableBit)) == 0;

    /// <summary>
    /// espefuse <c>burn-efuse NAME VALUE</c>: the field becomes <paramref name="value"/>, which must keep every bit
    /// already burned (bits can only go 0→1). Throws <see cref="EfuseBurnException"/> if write-protected, too wide,
    /// or clearing a bit.
    /// </summary>
    public void Burn(Esp32EfuseField field, uint value)
    {
        RejectKeyBlock(field);
        if ((value & ~field.Mask) != 0)
            throw new EfuseBurnException($"{field.Name} is {field.BitLength} bits wide; 0x{value:X} does not fit");
        uint old = _values[IndexOf(field)];
        if ((old & ~value) != 0)
            throw new EfuseBurnException(
                $"{field.Name}: new value 0x{value:X} would clear bits of the burned value 0x{old:X} " +
                $"(eFuse bits can only go from 0 to 1; the result would be 0x{old | value:X})");
        if (old == value)
            return;
        if (!IsWriteable(field))
            throw new EfuseBurnException($"{field.Name} is write-protected (WR_DIS bit {field.WriteDisableBit}). Burn is not possible.");
        _values[IndexOf(field)] = value;
    }

    /// <summary>
    /// <c>esp_efuse_write_field_blob</c>/<c>_bit</c> on the device: ORs <paramref name="bits"/> into the field. Returns false,
    /// changing nothing, if the field is write-protected and the bits are not already set (the controller will not
    /// program them); bits already set are not an error.
    /// </summary>
    public bool SetBits(Esp32EfuseField field, uint bits)
    {
        RejectKeyBlock(field);
        if ((bits & ~field.Mask) != 0)
            throw new EfuseBurnException($"{field.Name} is {field.BitLength} bits wide; 0x{bits:X} does not fit");
        uint old = _values[IndexOf(field)];
        if ((old | bits) == old)
            return true;
        if (!IsWriteable(field))
            return false;
        _values[IndexOf(field)] = old | bits;
        return true;
    }

    /// <summary>espefuse <c>write-protect-efuse NAME</c>: burns the field's WR_DIS bit.</summary>
    public void WriteProtect(Esp32EfuseField field) => Burn(Esp32EfuseFields.WrDis, RawWrDis | (1u << field.WriteDisableBit));

    /// <summary>espefuse <c>read-protect-efuse NAME</c>: burns the field's RD_DIS bit.</summary>
    public void ReadProtect(Esp32EfuseField field)
    {
        if (field.ReadDisableBit is not int bit)
            throw new EfuseBurnException($"{field.Name} cannot be read-protected");
        Burn(Esp32EfuseFields.RdDis, RawRdDis | (1u << bit));
    }

    // ---- BLOCK1: flash encryption key -------------------------------------------------------------------

    /// <summary>
    /// Software read of BLOCK1 (<see cref="Block1Length"/> bytes, eFuse byte order as espefuse prints it):
    /// all zeros once read-protected.
    /// </summary>
    public byte[] ReadBlock1()
    {
        var bytes = new byte[Block1Length];
        if (IsReadable(Esp32EfuseFields.Block1))
            _block1.AsSpan(0, bytes.Length).CopyTo(bytes);
        return bytes;
    }

    /// <summary>
    /// espefuse <c>burn-key flash_encryption KEYFILE [--no-protect-key]</c>: the key file's bytes are reversed into
    /// BLOCK1 (so <c>key file = BLOCK1[::-1]</c>); the file must be 32 bytes, or 24 under the 3/4 coding scheme.
    /// Unless <paramref name="protectKey"/> is false, BLOCK1 is then read-protected (RD_DIS bit 0) and
    /// write-protected (WR_DIS bit 7), as ESP-IDF's own key generation does.
    /// </summary>
    public void BurnFlashEncryptionKey(ReadOnlySpan<byte> keyFile, bool protectKey = true)
    {
        var field = Esp32EfuseFields.Block1;
        if (CodingScheme == Esp32CodingScheme.Repeat)
            throw new EfuseBurnException("CODING_SCHEME is REPEAT, which ESP-IDF and espefuse do not support for key blocks");
        int length = Block1Length;
        if (keyFile.Length != length)
            throw new EfuseBurnException(
                $"Incorrect key file size {keyFile.Length} for BLOCK1. Key file must be {length} bytes ({length * 8} bits) " +
                $"of raw binary key data{(length == 24 ? " (CODING_SCHEME is 3/4)" : "")}.");
        if (!IsWriteable(field))
            throw new EfuseBurnException($"BLOCK1 is write-protected (WR_DIS bit {field.WriteDisableBit}). Burn is not possible.");

        Span<byte> reversed = stackalloc byte[length];
        keyFile.CopyTo(reversed);
        reversed.Reverse();
        for (int i = 0; i < length; i++)
        {
            if ((_block1[i] & ~reversed[i]) != 0)
            {
                CryptographicOperations.ZeroMemory(reversed);
                throw new EfuseBurnException(
                    $"BLOCK1 byte {i} already has bits burned that the new key would clear (eFuse bits can only go from 0 to 1)");
            }
        }
        for (int i = 0; i < length; i++)
            _block1[i] |= reversed[i];
        CryptographicOperations.ZeroMemory(reversed);

        if (protectKey)
        {
            ReadProtect(field);
            WriteProtect(field);
        }
    }

    /// <summary>Software read of a key block (BLOCK1 or BLOCK2, <see cref="Block1Length"/> bytes): zeros once read-protected.</summary>
    public byte[] ReadKeyBlock(Esp32EfuseField field)
    {
        var bytes = new byte[Block1Length];
        if (IsReadable(field))
            KeyBlockStorage(field).AsSpan(0, bytes.Length).CopyTo(bytes);
        return bytes;
    }

    // ---- BLOCK2 / ABS_DONE_1: secure boot v2 ----------------------------------------------------------------

    /// <summary>
    /// espefuse <c>--chip esp32 burn-key-digest KEY.pem</c> (or <c>burn-key secure_boot_v2 DIGEST</c>): the 32-byte SHA-256
    /// of the signing key's public key block goes into BLOCK2 as is (no byte reversal); unless <paramref name="protectKey"/>
    /// is false BLOCK2 is then write-protected (WR_DIS bit 8) but stays readable (it is a digest, not a secret).
    /// Refused under the 3/4 coding scheme and before chip revision v3.0 (<paramref name="chipRevision"/> as espefuse's
    /// get_chip_revision: 300 = v3.0), with espefuse's messages.
    /// </summary>
    public void BurnSecureBootKeyDigest(ReadOnlySpan<byte> digest, int chipRevision, bool protectKey = true)
    {
        var field = Esp32EfuseFields.Block2;
        if (CodingScheme == Esp32CodingScheme.ThreeQuarters)
            throw new EfuseBurnException("burn-key-digest only works with 'None' coding scheme");
        if (chipRevision < 300)
            throw new EfuseBurnException(
                $"Incorrect chip revision for Secure boot v2. Detected: v{chipRevision / 100}.{chipRevision % 100}. Expected: >= v3.0");
        if (digest.Length != 32)
            throw new EfuseBurnException($"Incorrect digest size {digest.Length}. Digest must be 32 bytes (256 bits) of raw binary key data.");
        if (!IsWriteable(field))
            throw new EfuseBurnException($"BLOCK2 is write-protected (WR_DIS bit {field.WriteDisableBit}). Burn is not possible.");
        for (int i = 0; i < digest.Length; i++)
        {
            if ((_block2[i] & ~digest[i]) != 0)
                throw new EfuseBurnException($"BLOCK2 byte {i} already has bits burned that the new digest would clear (eFuse bits can only go from 0 to 1)");
        }
        for (int i = 0; i < digest.Length; i++)
            _block2[i] |= digest[i];
        if (protectKey)
            WriteProtect(field);
    }

    /// <summary>The BLOCK2 digest the ROM and bootloader compare signature blocks' keys against (hardware view).</summary>
    public byte[] GetSecureBootKeyDigest() => _block2.AsSpan(0, Block1Length).ToArray();

    /// <summary>True when BLOCK2 has any bit burned.</summary>
    public bool HasSecureBootKeyDigest => _block2.AsSpan(0, Block1Length).IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>ABS_DONE_1 burned: the chip only runs a bootloader (and the bootloader only apps) signed by the BLOCK2 key.</summary>
    public bool SecureBootV2Enabled => ReadHardware(Esp32EfuseFields.AbsDone1) != 0;

    /// <summary>True when BLOCK1 has any bit burned (hardware view).</summary>
    public bool HasFlashEncryptionKey => _block1.AsSpan(0, Block1Length).IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>
    /// The key the flash encryption engine uses, as an espsecure key file (24 or 32 bytes; BLOCK1 reversed),
    /// regardless of read protection. Feed it to <see cref="Esp32FlashCipher"/>.
    /// </summary>
    public byte[] GetHardwareFlashEncryptionKey()
    {
        var key = _block1.AsSpan(0, Block1Length).ToArray();
        Array.Reverse(key);
        return key;
    }

    /// <summary>A cipher with the hardware key and FLASH_CRYPT_CONFIG, i.e. what this chip's flash encryption engine does.</summary>
    public Esp32FlashCipher CreateFlashCipher()
    {
        var key = GetHardwareFlashEncryptionKey();
        try
        {
            return new Esp32FlashCipher(key, FlashCryptConfig);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    // ---- flash encryption state ------------------------------------------------------------------------

    /// <summary>Raw FLASH_CRYPT_CNT (7 bits).</summary>
    public uint FlashCryptCnt => ReadHardware(Esp32EfuseFields.FlashCryptCnt);

    /// <summary>esp_flash_encryption_enabled(): an odd number of FLASH_CRYPT_CNT bits is set.</summary>
    public bool FlashEncryptionEnabled => (BitOperations.PopCount(FlashCryptCnt) & 1) == 1;

    /// <summary>FLASH_CRYPT_CONFIG as the engine uses it (ignores read protection).</summary>
    public int FlashCryptConfig => (int)ReadHardware(Esp32EfuseFields.FlashCryptConfig);

    /// <summary>CODING_SCHEME as the hardware uses it (ignores read protection).</summary>
    public Esp32CodingScheme CodingScheme => (Esp32CodingScheme)ReadHardware(Esp32EfuseFields.CodingScheme);

    /// <summary>esp_get_flash_encryption_mode() for the ESP32.</summary>
    public Esp32FlashEncryptionMode FlashEncryptionMode
    {
        get
        {
            if (!FlashEncryptionEnabled)
                return Esp32FlashEncryptionMode.Disabled;
            bool cntLocked = !IsWriteable(Esp32EfuseFields.FlashCryptCnt) || FlashCryptCnt == Esp32EfuseFields.FlashCryptCnt.Mask;
            bool downloadLocked = ReadHardware(Esp32EfuseFields.DisableDlCache) != 0
                && ReadHardware(Esp32EfuseFields.DisableDlEncrypt) != 0
                && ReadHardware(Esp32EfuseFields.DisableDlDecrypt) != 0;
            return cntLocked && downloadLocked ? Esp32FlashEncryptionMode.Release : Esp32FlashEncryptionMode.Development;
        }
    }

    /// <summary>
    /// <c>esp_efuse_write_field_cnt(FLASH_CRYPT_CNT, 1)</c>: burns the lowest unburned bit, toggling encryption on or
    /// off (the bootloader does this to enable it on first boot; development mode then has one bit set).
    /// Returns false if the field is full or write-protected.
    /// </summary>
    public bool IncrementFlashCryptCnt()
    {
        uint cnt = FlashCryptCnt;
        uint free = ~cnt & Esp32EfuseFields.FlashCryptCnt.Mask;
        if (free == 0)
            return false;
        return SetBits(Esp32EfuseFields.FlashCryptCnt, 1u << BitOperations.TrailingZeroCount(free));
    }

    /// <summary>
    /// <c>esp_flash_encryption_set_release_mode()</c>, ESP32 branch: FLASH_CRYPT_CNT to 0x7F (unless write-protected),
    /// DISABLE_DL_CACHE/ENCRYPT/DECRYPT, WR_DIS of DIS_CACHE, and UART download mode disabled
    /// (<see cref="DisableRomDownloadMode"/>). Throws if encryption is not enabled (upstream aborts) or if the
    /// result is still not release mode.
    /// </summary>
    public void SetReleaseMode(int chipRevisionMajor = 3)
    {
        var mode = FlashEncryptionMode;
        if (mode == Esp32FlashEncryptionMode.Release)
            return;
        if (mode == Esp32FlashEncryptionMode.Disabled)
            throw new InvalidOperationException("Flash encryption eFuse is not enabled (FLASH_CRYPT_CNT has an even number of bits); cannot switch to release mode");
        if (IsWriteable(Esp32EfuseFields.FlashCryptCnt))
            SetBits(Esp32EfuseFields.FlashCryptCnt, Esp32EfuseFields.FlashCryptCnt.Mask);
        SetBits(Esp32EfuseFields.DisableDlCache, 1);
        SetBits(Esp32EfuseFields.DisableDlEncrypt, 1);
        SetBits(Esp32EfuseFields.DisableDlDecrypt, 1);
        SetBits(Esp32EfuseFields.WrDis, 1u << Esp32EfuseFields.WrDisBitDisCache);
        DisableRomDownloadMode(chipRevisionMajor);
        if (FlashEncryptionMode != Esp32FlashEncryptionMode.Release)
            throw new InvalidOperationException("Flash encryption mode is still DEVELOPMENT after burning release-mode eFuses (a field is write-protected)");
    }

    /// <summary>
    /// <c>esp_efuse_disable_rom_download_mode()</c> for the ESP32: burns UART_DOWNLOAD_DIS. Returns false on chips
    /// before revision 3 (ESP_ERR_NOT_SUPPORTED) or when FLASH_CRYPT_CNT's write protection also locks it
    /// (ESP_ERR_INVALID_STATE); true if it is (now) burned.
    /// </summary>
    public bool DisableRomDownloadMode(int chipRevisionMajor = 3)
    {
        if (chipRevisionMajor < 3)
            return false;
        if (ReadHardware(Esp32EfuseFields.UartDownloadDis) != 0)
            return true;
        return SetBits(Esp32EfuseFields.UartDownloadDis, 1);
    }

    // ---- anti-rollback ------------------------------------------------------------------------------------

    /// <summary>esp_efuse_read_secure_version(): the number of SECURE_VERSION bits set (in the low <paramref name="fieldBits"/>).</summary>
    public int ReadSecureVersion(int fieldBits = 32)
    {
        uint mask = CheckSecureVersionSize(fieldBits);
        return BitOperations.PopCount(ReadHardware(Esp32EfuseFields.SecureVersion) & mask);
    }

    /// <summary>esp_efuse_check_secure_version(v): true when <paramref name="secureVersion"/> ≥ the eFuse version.</summary>
    public bool CheckSecureVersion(uint secureVersion, int fieldBits = 32) => secureVersion >= (uint)ReadSecureVersion(fieldBits);

    /// <summary>
    /// esp_efuse_update_secure_version(v): burns bits so the eFuse version becomes <paramref name="secureVersion"/>
    /// (new bits = (2^v − 1) − (2^current − 1)). Returns false if the eFuse already holds a higher version
    /// (ESP_FAIL); throws for a version wider than the field (ESP_ERR_INVALID_ARG) or a non-NONE coding scheme
    /// (ESP_ERR_NOT_SUPPORTED).
    /// </summary>
    public bool UpdateSecureVersion(uint secureVersion, int fieldBits = 32)
    {
        CheckSecureVersionSize(fieldBits);
        if (secureVersion > (uint)fieldBits)
            throw new EfuseBurnException($"Max secure version is {fieldBits}. Given {secureVersion} version can not be written.");
        if (CodingScheme is not (Esp32CodingScheme.None or Esp32CodingScheme.NoneAlternative))
            throw new EfuseBurnException("Anti rollback is not supported with any coding scheme (CODING_SCHEME is not NONE).");
        uint current = (uint)ReadSecureVersion(fieldBits);
        if (current > secureVersion)
            return false;
        if (current == secureVersion)
            return true;
        ulong wanted = (1UL << (int)secureVersion) - 1;
        ulong have = (1UL << (int)current) - 1;
        return SetBits(Esp32EfuseFields.SecureVersion, (uint)(wanted - have));
    }

    // ---- persistence helpers used by Esp32EfuseFile ------------------------------------------------------

    /// <summary>The full 32 physical bytes of a key block (hardware view), for persistence.</summary>
    internal ReadOnlySpan<byte> RawKeyBlock(Esp32EfuseField field) => KeyBlockStorage(field);

    /// <summary>Restores a key block's bytes from a persisted file.</summary>
    internal void RestoreKeyBlock(Esp32EfuseField field, ReadOnlySpan<byte> bytes)
    {
        byte[] storage = KeyBlockStorage(field);
        Array.Clear(storage);
        bytes.CopyTo(storage);
    }

    private byte[] KeyBlockStorage(Esp32EfuseField field) =>
        field == Esp32EfuseFields.Block1 ? _block1
        : field == Esp32EfuseFields.Block2 ? _block2
        : throw new ArgumentException($"{field.Name} is not a modelled key block", nameof(field));

    /// <summary>Restores a field from a persisted file (no burn rules: the file is the chip's state).</summary>
    internal void Restore(Esp32EfuseField field, uint value) => _values[IndexOf(field)] = value & field.Mask;

    private uint RawWrDis => _values[IndexOf(Esp32EfuseFields.WrDis)];

    private uint RawRdDis => _values[IndexOf(Esp32EfuseFields.RdDis)];

    private static uint CheckSecureVersionSize(int fieldBits)
    {
        if (fieldBits is < 1 or > 32)
            throw new ArgumentOutOfRangeException(nameof(fieldBits), fieldBits, "SECURE_VERSION is 32 bits; CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD must be 1..32");
        return fieldBits == 32 ? uint.MaxValue : (1u << fieldBits) - 1;
    }

    private static int IndexOf(Esp32EfuseField field)
    {
        var all = Esp32EfuseFields.All;
        for (int i = 0; i < all.Count; i++)
        {
            if (ReferenceEquals(all[i], field) || all[i] == field)
                return i;
        }
        throw new ArgumentException($"eFuse field {field.Name} is not modelled", nameof(field));
    }

    private static void RejectKeyBlock(Esp32EfuseField field)
    {
        if (field.IsKeyBlock)
            throw new ArgumentException($"{field.Name} is a key block; use ReadKeyBlock/BurnFlashEncryptionKey/BurnSecureBootKeyDigest", nameof(field));
    }
}
