using System.Text;

namespace NfBuild.Image;

/// <summary>
/// What the image changes: ESP-IDF sdkconfig symbols layered over nanoFramework's per-target defaults
/// (nf-interpreter targets/ESP32/_IDF/sdkconfig.default_nopsram[_rev3].esp32, picked by the preset's defconfig
/// CONFIG_SDK_CONFIG_FILE), and nanoFramework Kconfig symbols layered over the preset's defconfig. Every symbol is
/// listed in image-manifest.json with the upstream file that defines it.
/// </summary>
public static class SdkconfigDelta
{
    /// <summary>The path the ESP-IDF delta must have inside the nf-interpreter checkout: nanoFramework copies its defaults to
    /// build/sdkconfig.default and passes that file as SDKCONFIG_DEFAULTS; ESP-IDF's kconfig.cmake then also loads
    /// "&lt;defaults&gt;.&lt;IDF_TARGET&gt;", i.e. build/sdkconfig.default.esp32, after it (later files win).</summary>
    public const string IdfDeltaPathInCheckout = "build/sdkconfig.default.esp32";

    /// <summary>Our folder in the checkout (the upstream place for interop assemblies).</summary>
    public const string InteropFolderInCheckout = "InteropAssemblies/IotDevice.Interop";

    public static IReadOnlyList<KconfigSetting> Idf(ImageOptions o)
    {
        o.Validate();
        var s = new List<KconfigSetting>
        {
            // the repository's partition table (no factory, A/B slots, deploy_N pairs)
            new("CONFIG_PARTITION_TABLE_CUSTOM", "y", "our partitions.csv instead of nanoFramework's partitions_nanoclr_4mb.csv"),
            new("CONFIG_PARTITION_TABLE_CUSTOM_FILENAME", $"\"{InteropFolderInCheckout}/partitions.csv\"", "relative to the ESP-IDF project dir, the nf-interpreter checkout"),
            new("CONFIG_PARTITION_TABLE_OFFSET", "0x8000", "partitions.csv is laid out for the table at 0x8000 (nvs at 0x9000)"),
            new("CONFIG_ESPTOOLPY_FLASHSIZE_4MB", "y", "Lolin32: 4 MB flash"),
            // the bootloader must stay below the table: 0x1000 .. 0x8000 (ESP-IDF's check_sizes.py fails the build otherwise)
            new("CONFIG_BOOTLOADER_COMPILER_OPTIMIZATION_SIZE", "y", "smallest bootloader (-Os); rollback, anti-rollback and flash encryption add code"),
            new(o.SecureBoot ? "CONFIG_BOOTLOADER_LOG_LEVEL_ERROR" : "CONFIG_BOOTLOADER_LOG_LEVEL_WARN", "y",
                o.SecureBoot ? "secure boot v2 adds RSA verification to the bootloader: errors only, to stay below 0x8000" : "fewer log strings in the bootloader (default is INFO)"),
            // A/B with rollback and anti-rollback
            new("CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE", "y", "a new image boots PENDING_VERIFY and rolls back unless the firmware marks it valid"),
            new("CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK", "y", "images with a secure_version below the eFuse counter are refused"),
            new("CONFIG_BOOTLOADER_APP_SECURE_VERSION", o.SecureVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), "this image's esp_app_desc_t.secure_version (= release create --secure-version)"),
            new("CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD", "32", "ESP32: the whole 32-bit SECURE_VERSION field of BLK3"),
            // flash encryption
            new("CONFIG_SECURE_FLASH_ENC_ENABLED", "y", "the bootloader encrypts bootloader, table, apps, otadata, nvs_keys and the encrypted-flagged partitions on first boot"),
            o.FlashEncryption == FlashEncryptionMode.Release
                ? new("CONFIG_SECURE_FLASH_ENCRYPTION_MODE_RELEASE", "y", "production: FLASH_CRYPT_CNT burnt to its maximum, the ROM loader can no longer use the encryption key")
                : new("CONFIG_SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT", "y", "bring-up: re-flashable over UART (NOT secure: the ROM loader encrypts chosen plaintext)"),
            // NVS encryption with the flash-encryption key scheme (ESP32 has no HMAC peripheral)
            new("CONFIG_NVS_ENCRYPTION", "y", "the NVS entries (certificates, keys, passwords) are XTS-AES encrypted"),
            new("CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC", "y", "the NVS keys live in the flash-encrypted nvs_keys partition (generated on first boot)"),
            // trust: only the roots pinned in NVS
            new("CONFIG_MBEDTLS_CERTIFICATE_BUNDLE", "n", "no ESP-IDF CA bundle: the device trusts only the roots pinned in NVS (ca_0, ca_1)"),
            // what the interop needs from mbedTLS
            new("CONFIG_MBEDTLS_PEM_WRITE_C", "y", "Crypto.GenerateKey stores the new key as SEC1 PEM (nanoFramework's defaults turn PEM writing off)"),
            new("CONFIG_MBEDTLS_ECDSA_C", "y", "P-256 signatures: release manifests, proof of possession, CSRs"),
            new("CONFIG_MBEDTLS_ECP_DP_SECP256R1_ENABLED", "y", "the P-256 curve"),
        };
        if (o.Target == Esp32Target.Rev3)
            s.Add(new("CONFIG_ESP32_REV_MIN_3", "y", "ESP32_REV3 images require chip revision v3.0 (as nanoFramework's rev3 defaults)"));
        if (o.SecureBoot)
        {
            s.Add(new("CONFIG_SECURE_BOOT", "y", "hardware secure boot, enabled by the bootloader on first boot"));
            s.Add(new("CONFIG_SECURE_BOOT_V2_ENABLED", "y", "secure boot v2: RSA-3072 signature block, one key digest in BLK2"));
            s.Add(new("CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME", "y", "apps and bootloader carry an RSA-PSS signature block"));
            s.Add(new("CONFIG_SECURE_BOOT_BUILD_SIGNED_BINARIES", "y", "the build signs bootloader and app"));
            s.Add(new("CONFIG_SECURE_BOOT_SIGNING_KEY", $"\"{o.SigningKey}\"", "the RSA-3072 private key (keep it off the build machine after signing; relative to the checkout)"));
        }
        return s;
    }

    /// <summary>nanoFramework Kconfig symbols over the preset's defconfig (NF_USER_KCONFIG_OVERLAY).</summary>
    public static IReadOnlyList<KconfigSetting> NanoFramework(ImageOptions o)
    {
        o.Validate();
        var s = new List<KconfigSetting>();
        if (o.FlashEncryption == FlashEncryptionMode.Release)
        {
            s.Add(new("CONFIG_NF_BUILD_RTM", "y", "release firmware: no debug output"));
            s.Add(new("CONFIG_NF_FEATURE_DEBUGGER", "n", "no managed debugging over the serial port on production devices"));
        }
        return s;
    }

    /// <summary>The file text: a header naming the configuration, then one line per setting with its reason.</summary>
    public static string Render(IReadOnlyList<KconfigSetting> settings, ImageOptions o, string what)
    {
        var b = new StringBuilder();
        b.Append("# IotDevice image configuration: ").Append(what).Append('\n');
        b.Append("# target ").Append(o.PresetName).Append(", flash encryption ").Append(o.FlashEncryption.ToString().ToLowerInvariant())
         .Append(", secure boot ").Append(o.SecureBoot ? "v2" : "off").Append(", secure_version ").Append(o.SecureVersion).Append('\n');
        b.Append("# Written by `nf-build image config`; every symbol is listed in image-manifest.json. README.md, \"ESP32 image\".\n");
        foreach (var setting in settings)
        {
            b.Append('\n').Append("# ").Append(setting.Reason).Append('\n');
            b.Append(setting.Value == "n" && setting.Symbol.StartsWith("CONFIG_NF_", StringComparison.Ordinal)
                ? $"# {setting.Symbol} is not set"
                : setting.Line).Append('\n');
        }
        return b.ToString();
    }
}
