using System.Security.Cryptography;
using Esp32.Formats;
using Esp32.Formats.AppImage;
using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using Esp32.Formats.SecureBoot;

namespace Esp32.Virtual;

/// <summary>
/// The ESP-IDF v5.5 second-stage bootloader's security work on one boot:
/// <list type="number">
/// <item>first-boot flash encryption (flash_encrypt.c: esp_flash_encrypt_check_and_update), when
/// configured and not yet enabled;</item>
/// <item>the partition table (read through the flash cache);</item>
/// <item>the otadata decision with rollback (<see cref="OtaDataPartition.Boot"/>), where a slot is loadable
/// only if its image verifies (header, checksum, SHA-256, chip) and, with anti-rollback, its secure_version
/// is not below the eFuse's.</item>
/// </list>
/// With secure boot v2 enabled (ABS_DONE_1), the ROM first verifies the bootloader at 0x1000 against the BLOCK2 key
/// digest (<see cref="SecureBootV2Verifier"/>; failure throws <see cref="SecureBootHaltException"/>), and an app
/// slot is loadable only if its signature verifies too.
/// </summary>
internal sealed class VirtualBootloader(FlashChip chip, Esp32Efuses efuses, SecuritySettings settings)
{
    /// <summary>The partition table loaded by the last <see cref="Boot"/>; the app uses the same one.</summary>
    public PartitionTable? Table { get; private set; }

    public BootReport Boot()
    {
        bool encrypted = false;
        if (settings.FlashEncryption && !efuses.FlashEncryptionEnabled)
        {
            EncryptFlashOnFirstBoot();
            encrypted = true;
        }

        using var cipher = efuses.FlashEncryptionEnabled ? efuses.CreateFlashCipher() : null;
        byte[]? trustedKeyDigest = TrustedKeyDigest(efuses);
        if (trustedKeyDigest is not null)
            VerifyBootloaderSignature(cipher, trustedKeyDigest);
        PartitionTable table = ReadPartitionTable(chip, cipher, settings.PartitionTableOffset);
        Table = table;
        var layout = OtaSlotLayout.FromPartitionTable(table);
        PartitionEntry otadataEntry = table.OtaData ?? throw new Esp32FormatException("partition table has no otadata partition");
        var otadata = new OtaDataPartition(new PartitionView(chip.Io, otadataEntry, cipher));

        var images = new Dictionary<AppSlot, AppImageInfo?>();
        AppImageInfo? Image(AppSlot slot)
        {
            if (!images.TryGetValue(slot, out var info))
                images[slot] = info = LoadImage(table, slot, cipher, trustedKeyDigest);
            return info;
        }

        var options = new OtaBootOptions
        {
            RollbackEnabled = settings.AppRollback,
            IsSecureVersionAllowed = settings.AntiRollback
                ? slot => Image(slot)?.Description is { } d && efuses.CheckSecureVersion(d.SecureVersion)
                : null,
        };
        OtaBootDecision decision = otadata.Boot(layout, slot => Image(slot) is not null, options);

        foreach (AppSlot slot in decision.SecureVersionUpdates)
            if (Image(slot)?.Description is { } d)
                efuses.UpdateSecureVersion(d.SecureVersion);

        AppSlot? running = decision.BootedSlot;
        return new BootReport(encrypted, decision, running, running is { } r ? Image(r)?.Description?.Version : null);
    }

    /// <summary>The app image in a slot if it would load (esp_image_verify), else null.</summary>
    private AppImageInfo? LoadImage(PartitionTable table, AppSlot slot, Esp32FlashCipher? cipher, byte[]? trustedKeyDigest)
    {
        PartitionEntry? entry = slot.IsFactory ? table.Factory
            : slot.IsTest ? table.Test
            : table.OtaAppSlots.FirstOrDefault(e => e.OtaSlot == slot.Index);
        return entry is null ? null : VerifyImage(new PartitionView(chip.Io, entry, cipher), trustedKeyDigest);
    }

    /// <summary>The BLOCK2 digest images must be signed against, or null when secure boot v2 is not enabled.</summary>
    internal static byte[]? TrustedKeyDigest(Esp32Efuses efuses) =>
        efuses.SecureBootV2Enabled ? efuses.GetSecureBootKeyDigest() : null;

    /// <summary>
    /// The ROM's check of the bootloader (ets_secure_boot_verify_bootloader): the image at 0x1000, its length from its
    /// own header and segments, the signature block after it padded to 4 KB, all inside the region before the table.
    /// </summary>
    private void VerifyBootloaderSignature(Esp32FlashCipher? cipher, byte[] trustedKeyDigest)
    {
        const int BootloaderOffset = 0x1000;
        byte[] region = new byte[(int)settings.PartitionTableOffset - BootloaderOffset];
        chip.Io.Read(BootloaderOffset, region);
        cipher?.DecryptInPlace(BootloaderOffset, region);
        if (region[0] != AppImageHeader.ImageMagic)
            throw new SecureBootHaltException("is not a valid image");
        AppImageInfo info;
        try
        {
            info = AppImageInfo.ParseOwned(region);
        }
        catch (Esp32FormatException e)
        {
            throw new SecureBootHaltException($"is not a valid image ({e.Message})");
        }
        if (SecureBootV2Verifier.Verify(region, info.Length, trustedKeyDigest) is { } reason)
            throw new SecureBootHaltException($"signature check failed: {reason}");
    }

    /// <summary>esp_image_verify on a partition: null when the image would not load (with a key digest: also unsigned or wrongly signed).</summary>
    internal static AppImageInfo? VerifyImage(PartitionView partition, byte[]? trustedKeyDigest = null)
    {
        byte[] contents = GC.AllocateUninitializedArray<byte>(partition.Size);
        partition.Read(0, contents);
        if (contents[0] != AppImageHeader.ImageMagic)
            return null;
        try
        {
            AppImageInfo info = AppImageInfo.ParseOwned(contents);
            if (!info.IsValid || info.Header.ChipId != AppImageHeader.Esp32ChipId)
                return null;
            return trustedKeyDigest is null || SecureBootV2Verifier.Verify(contents, info.Length, trustedKeyDigest) is null ? info : null;
        }
        catch (Esp32FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// esp_image_verify where only the verdict is needed (esp_ota_end, esp_ota_set_boot_partition, the rollback
    /// target check): the same checks as <see cref="VerifyImage"/>, every byte of the partition read and decrypted,
    /// through a pooled buffer instead of a new 1.6 MB array per call.
    /// </summary>
    internal static bool ImageVerifies(PartitionView partition, byte[]? trustedKeyDigest = null)
    {
        byte[] contents = System.Buffers.ArrayPool<byte>.Shared.Rent(partition.Size);
        try
        {
            partition.Read(0, contents.AsSpan(0, partition.Size));
            if (contents[0] != AppImageHeader.ImageMagic)
                return false;
            AppImageInfo info = AppImageInfo.ParseOwned(contents, partition.Size);
            if (!info.IsValid || info.Header.ChipId != AppImageHeader.Esp32ChipId)
                return false;
            return trustedKeyDigest is null
                || SecureBootV2Verifier.Verify(contents.AsSpan(0, partition.Size), info.Length, trustedKeyDigest) is null;
        }
        catch (Esp32FormatException)
        {
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(contents, clearArray: true); // decrypted firmware
        }
    }

    private static PartitionTable ReadPartitionTable(FlashChip chip, Esp32FlashCipher? cipher, uint offset)
    {
        byte[] sector = new byte[PartitionTable.SectorSize];
        chip.Io.Read((int)offset, sector);
        cipher?.DecryptInPlace((int)offset, sector);
        return PartitionTable.FromBinary(sector.AsSpan(0, PartitionTable.MaxLength));
    }

    /// <summary>
    /// esp_flash_encrypt_check_and_update on a chip whose FLASH_CRYPT_CNT is still even: burn a key if none
    /// is there (generated on the chip, read- and write-protected: nobody ever sees it), FLASH_CRYPT_CONFIG
    /// 0xF, encrypt in place what must be encrypted, then enable encryption (one FLASH_CRYPT_CNT bit in
    /// development mode; release mode burns all bits and disables the ROM's download-mode decryption).
    /// </summary>
    private void EncryptFlashOnFirstBoot()
    {
        if (!efuses.HasFlashEncryptionKey)
            efuses.BurnFlashEncryptionKey(RandomNumberGenerator.GetBytes(efuses.Block1Length), protectKey: true);
        if (efuses.FlashCryptConfig != 0xF)
            efuses.Burn(Esp32EfuseFields.FlashCryptConfig, 0xF);

        using var cipher = efuses.CreateFlashCipher();
        PartitionTable table = ReadPartitionTable(chip, null, settings.PartitionTableOffset);

        // Bootloader (0x1000) and partition table sector, then each partition that needs it
        // (esp_flash_encrypt_contents / encrypt_partition).
        EncryptRegionIfImage(cipher, 0x1000, (int)settings.PartitionTableOffset - 0x1000);
        EncryptRegion(cipher, (int)settings.PartitionTableOffset, PartitionTable.SectorSize);
        foreach (PartitionEntry entry in table.Entries)
        {
            if (entry.IsApp)
                EncryptRegionIfImage(cipher, (int)entry.Offset, (int)entry.Size);
            else if (entry.IsFlashEncryptedWhenEnabled)
                EncryptRegion(cipher, (int)entry.Offset, (int)entry.Size);
        }

        // esp_flash_encrypt_enable sets one FLASH_CRYPT_CNT bit; release mode then burns the rest and
        // disables the ROM's download-mode encrypt/decrypt (esp_flash_encryption_set_release_mode).
        efuses.IncrementFlashCryptCnt();
        if (settings.ReleaseMode)
            efuses.SetReleaseMode();
    }

    private void EncryptRegionIfImage(Esp32FlashCipher cipher, int address, int length)
    {
        byte[] first = new byte[1];
        chip.Io.Read(address, first);
        if (first[0] == AppImageHeader.ImageMagic)
            EncryptRegion(cipher, address, length);
    }

    /// <summary>esp_flash_encrypt_region: per 4 KB sector read plaintext, erase, write ciphertext.</summary>
    private void EncryptRegion(Esp32FlashCipher cipher, int address, int length)
    {
        byte[] sector = new byte[0x1000];
        for (int at = address; at < address + length; at += sector.Length)
        {
            chip.Io.Read(at, sector);
            cipher.EncryptInPlace(at, sector);
            chip.Io.Erase(at, sector.Length);
            chip.Io.Write(at, sector);
        }
    }
}
