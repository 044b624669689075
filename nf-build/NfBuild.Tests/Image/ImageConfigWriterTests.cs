using NfBuild.Cli;
using NfBuild.Image;
using NfBuild.Tests.Virtual;
using Xunit;

namespace NfBuild.Tests.Image;

/// <summary>`nf-build image config`: what the writer emits for each target and mode, and what it refuses.</summary>
public class ImageConfigWriterTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nfb-image").FullName;

    private static ImageOptions Rev0Dev => new() { Target = Esp32Target.Rev0 };
    private static ImageOptions Rev0Release => new() { Target = Esp32Target.Rev0, FlashEncryption = FlashEncryptionMode.Release };
    private static ImageOptions Rev3SecureBoot => new() { Target = Esp32Target.Rev3, FlashEncryption = FlashEncryptionMode.Release, SecureBoot = true, SecureVersion = 3 };

    /// <summary>Every configuration the command can write.</summary>
    public static IEnumerable<ImageOptions> AllConfigurations()
    {
        foreach (var target in new[] { Esp32Target.Rev0, Esp32Target.Rev3 })
            foreach (var mode in new[] { FlashEncryptionMode.Development, FlashEncryptionMode.Release })
                foreach (bool secureBoot in new[] { false, true })
                    if (!secureBoot || target == Esp32Target.Rev3)
                        yield return new ImageOptions { Target = target, FlashEncryption = mode, SecureBoot = secureBoot };
    }

    private static Dictionary<string, string> Idf(ImageOptions o) => SdkconfigDelta.Idf(o).ToDictionary(s => s.Symbol, s => s.Value);

    private static string Text(ImageOptions o, string file) => System.Text.Encoding.UTF8.GetString(ImageConfigWriter.Files(o)[file]);

    [Fact]
    public void EveryConfiguration_HasTheProductSecurityBaseline()
    {
        foreach (var o in AllConfigurations())
        {
            var s = Idf(o);
            Assert.Equal("y", s["CONFIG_SECURE_FLASH_ENC_ENABLED"]);
            Assert.Equal("y", s["CONFIG_NVS_ENCRYPTION"]);
            Assert.Equal("y", s["CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC"]);
            Assert.Equal("y", s["CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE"]);
            Assert.Equal("y", s["CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK"]);
            Assert.Equal("0", s["CONFIG_BOOTLOADER_APP_SECURE_VERSION"]);
            Assert.Equal("32", s["CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD"]);
            Assert.Equal("y", s["CONFIG_PARTITION_TABLE_CUSTOM"]);
            Assert.Equal("\"InteropAssemblies/IotDevice.Interop/partitions.csv\"", s["CONFIG_PARTITION_TABLE_CUSTOM_FILENAME"]);
            Assert.Equal("0x8000", s["CONFIG_PARTITION_TABLE_OFFSET"]);
            Assert.Equal("y", s["CONFIG_BOOTLOADER_COMPILER_OPTIMIZATION_SIZE"]);
            Assert.Equal("n", s["CONFIG_MBEDTLS_CERTIFICATE_BUNDLE"]);
            Assert.Equal("y", s["CONFIG_MBEDTLS_PEM_WRITE_C"]);
            // exactly one flash-encryption mode and one bootloader log level
            Assert.Single(s.Keys, k => k.StartsWith("CONFIG_SECURE_FLASH_ENCRYPTION_MODE_", StringComparison.Ordinal));
            Assert.Single(s.Keys, k => k.StartsWith("CONFIG_BOOTLOADER_LOG_LEVEL_", StringComparison.Ordinal));
            // no symbol twice
            Assert.Equal(SdkconfigDelta.Idf(o).Count, s.Count);
        }
    }

    [Fact]
    public void Rev0Development_HasDevelopmentMode_AndNoSecureBoot()
    {
        var s = Idf(Rev0Dev);
        Assert.Equal("y", s["CONFIG_SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT"]);
        Assert.DoesNotContain("CONFIG_SECURE_FLASH_ENCRYPTION_MODE_RELEASE", s.Keys);
        Assert.Equal("y", s["CONFIG_BOOTLOADER_LOG_LEVEL_WARN"]);
        Assert.DoesNotContain(s.Keys, k => k.StartsWith("CONFIG_SECURE_BOOT", StringComparison.Ordinal));
        Assert.DoesNotContain("CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME", s.Keys);
        Assert.DoesNotContain("CONFIG_ESP32_REV_MIN_3", s.Keys);
        Assert.Empty(SdkconfigDelta.NanoFramework(Rev0Dev));
    }

    [Fact]
    public void Release_HasReleaseMode_AndARelease_nanoFrameworkBuild()
    {
        var s = Idf(Rev0Release);
        Assert.Equal("y", s["CONFIG_SECURE_FLASH_ENCRYPTION_MODE_RELEASE"]);
        Assert.DoesNotContain("CONFIG_SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT", s.Keys);
        string overlay = Text(Rev0Release, ImageConfigWriter.NfKconfigOverlayPath);
        Assert.Contains("\nCONFIG_NF_BUILD_RTM=y\n", overlay);
        Assert.Contains("\n# CONFIG_NF_FEATURE_DEBUGGER is not set\n", overlay);
    }

    [Fact]
    public void Rev3SecureBoot_HasSecureBootV2_SignedApps_AndRev3Silicon()
    {
        var s = Idf(Rev3SecureBoot);
        Assert.Equal("y", s["CONFIG_SECURE_BOOT"]);
        Assert.Equal("y", s["CONFIG_SECURE_BOOT_V2_ENABLED"]);
        Assert.Equal("y", s["CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME"]);
        Assert.Equal("y", s["CONFIG_SECURE_BOOT_BUILD_SIGNED_BINARIES"]);
        Assert.Equal("\"secure_boot_signing_key.pem\"", s["CONFIG_SECURE_BOOT_SIGNING_KEY"]);
        Assert.Equal("y", s["CONFIG_ESP32_REV_MIN_3"]);
        Assert.Equal("y", s["CONFIG_BOOTLOADER_LOG_LEVEL_ERROR"]);
        Assert.Equal("3", s["CONFIG_BOOTLOADER_APP_SECURE_VERSION"]);
        Assert.Equal("y", Idf(new ImageOptions { Target = Esp32Target.Rev3 })["CONFIG_ESP32_REV_MIN_3"]);
    }

    [Fact]
    public void SecureBoot_OnRev0_IsRefused_WithTheReason()
    {
        var ex = Assert.Throws<ImageConfigException>(() => SdkconfigDelta.Idf(new ImageOptions { Target = Esp32Target.Rev0, SecureBoot = true }));
        Assert.Contains("v3.0", ex.Message);
        Assert.Contains("ESP32_REV3", ex.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    public void SecureVersion_OutsideTheEfuseField_IsRefused(int secureVersion) =>
        Assert.Throws<ImageConfigException>(() => SdkconfigDelta.Idf(new ImageOptions { Target = Esp32Target.Rev0, SecureVersion = secureVersion }));

    [Fact]
    public void SecureVersion32_IsTheLastOneAccepted() =>
        Assert.Equal("32", Idf(new ImageOptions { Target = Esp32Target.Rev0, SecureVersion = 32 })["CONFIG_BOOTLOADER_APP_SECURE_VERSION"]);

    [Fact]
    public void DeltaFile_ListsEverySettingOnItsOwnLine()
    {
        foreach (var o in AllConfigurations())
        {
            var lines = Text(o, SdkconfigDelta.IdfDeltaPathInCheckout).Split('\n');
            foreach (var setting in SdkconfigDelta.Idf(o))
                Assert.Contains(setting.Line, lines);
            // nothing but comments, blank lines and our settings
            Assert.All(lines.Where(l => l.Length > 0 && !l.StartsWith('#')), l => Assert.Contains(SdkconfigDelta.Idf(o), s => s.Line == l));
        }
    }

    [Fact]
    public void PartitionsCsv_IsTheRepositorysFile_ByteForByte()
    {
        byte[] repo = File.ReadAllBytes(TestDevices.RepoFile("partitions.csv"));
        Assert.Equal(repo, ImageConfigWriter.PartitionsCsv());
        Assert.Equal(repo, ImageConfigWriter.Files(Rev0Dev)["InteropAssemblies/IotDevice.Interop/partitions.csv"]);
    }

    [Fact]
    public void TargetSources_AreOurFiles_ByteForByte_AndAllOfThem()
    {
        string folder = TestDevices.RepoFile("nf-build/Image/target");
        var onDisk = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var embedded = ImageConfigWriter.TargetSources();
        Assert.Equal(onDisk.Keys.Order(StringComparer.Ordinal), embedded.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in onDisk)
            Assert.Equal(bytes, embedded[name]);
        var files = ImageConfigWriter.Files(Rev0Dev);
        Assert.Equal(onDisk["FindINTEROP-IotDevice.Interop.cmake"], files[ImageConfigWriter.CmakeModulePath]);
        Assert.Equal(onDisk["iotdevice_ab_partitions.c"], files["InteropAssemblies/IotDevice.Interop/iotdevice_ab_partitions.c"]);
    }

    [Fact]
    public void BuildInstructions_UseTheUpstreamPreset_OurModule_AndThePinnedCommit()
    {
        string build = Text(Rev3SecureBoot, ImageConfigWriter.BuildFile);
        Assert.Contains("git checkout a3e8139a1ba778e33ca81b023099765eada6c456", build);
        Assert.Contains("cmake --preset=ESP32_REV3 -DCMAKE_BUILD_TYPE=MinSizeRel -DNF_INTEROP_ASSEMBLIES=IotDevice.Interop -DNF_USER_KCONFIG_OVERLAY=$PWD/config/iotdevice-kconfig.conf", build);
        Assert.Contains("cmake --build build", build);
        Assert.Contains("espsecure generate-signing-key --version 2 --scheme rsa3072", build);
        Assert.DoesNotContain("espsecure", Text(Rev0Dev, ImageConfigWriter.BuildFile));
    }

    [Fact]
    public void Command_WritesTheFolder_AndRefusesSecureBootOnRev0_WritingNothing()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string ok = Path.Combine(_dir, "rev3");
        int exit = NfBuildCli.Run(["image", "config", "--target", "ESP32_REV3", "--secure-boot", "--flash-encryption", "release", "-o", ok], output, error);
        Assert.True(exit == 0, error.ToString());
        Assert.True(File.Exists(Path.Combine(ok, "build", "sdkconfig.default.esp32")));
        Assert.True(File.Exists(Path.Combine(ok, "CMake", "Modules", "FindINTEROP-IotDevice.Interop.cmake")));
        Assert.True(File.Exists(Path.Combine(ok, "InteropAssemblies", "IotDevice.Interop", "IotDevice_Interop.cpp")));
        Assert.Contains("CONFIG_SECURE_BOOT_V2_ENABLED=y", File.ReadAllText(Path.Combine(ok, "build", "sdkconfig.default.esp32")));
        Assert.Contains("\"preset\": \"ESP32_REV3\"", File.ReadAllText(Path.Combine(ok, "image-manifest.json")));
        Assert.Empty(Directory.GetDirectories(_dir, ".*staging*"));

        string refused = Path.Combine(_dir, "rev0");
        error = new StringWriter();
        exit = NfBuildCli.Run(["image", "config", "--target", "ESP32_REV0", "--secure-boot", "-o", refused], new StringWriter(), error);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: --secure-boot needs --target ESP32_REV3: secure boot v2", error.ToString());
        Assert.False(Directory.Exists(refused));

        // an existing folder with content is never overwritten
        exit = NfBuildCli.Run(["image", "config", "--target", "ESP32_REV0", "-o", ok], new StringWriter(), new StringWriter());
        Assert.Equal(1, exit);
        Assert.Contains("CONFIG_SECURE_BOOT_V2_ENABLED=y", File.ReadAllText(Path.Combine(ok, "build", "sdkconfig.default.esp32")));

        Assert.Equal(1, NfBuildCli.Run(["image", "config", "--target", "ESP32_PSRAM_REV3", "-o", Path.Combine(_dir, "x")], new StringWriter(), new StringWriter()));
        Assert.Equal(1, NfBuildCli.Run(["image", "config", "--target", "ESP32_REV0", "--flash-encryption", "off", "-o", Path.Combine(_dir, "y")], new StringWriter(), new StringWriter()));
    }
}
