using System.Text;

namespace NfBuild.Image;

/// <summary>BUILD.md: the commands that build our image with nanoFramework's documented ESP32 flow.</summary>
public static class BuildInstructions
{
    /// <summary>The CMake cache options the configure command sets (each is listed in the manifest's "cmake").</summary>
    public static IReadOnlyList<string> CmakeOptions { get; } = ["CMAKE_BUILD_TYPE", "NF_INTEROP_ASSEMBLIES", "NF_USER_KCONFIG_OVERLAY"];

    public static string ConfigureCommand(ImageOptions o) =>
        $"cmake --preset={o.PresetName} -DCMAKE_BUILD_TYPE=MinSizeRel -DNF_INTEROP_ASSEMBLIES=IotDevice.Interop " +
        $"-DNF_USER_KCONFIG_OVERLAY=$PWD/{ImageConfigWriter.NfKconfigOverlayPath}";

    public static string Render(ImageOptions o)
    {
        var m = ImageManifest.Load();
        var b = new StringBuilder();
        b.Append("# IotDevice nanoFramework image: ").Append(o.PresetName).Append('\n');
        b.Append('\n');
        b.Append("Flash encryption ").Append(o.FlashEncryption.ToString().ToLowerInvariant())
         .Append(", NVS encryption (flash-encryption key scheme), rollback + anti-rollback (secure_version ").Append(o.SecureVersion)
         .Append("), secure boot ").Append(o.SecureBoot ? "v2 (RSA-3072, key " + o.SigningKey + ")" : "off").Append(".\n");
        b.Append("Pinned: nf-interpreter ").Append(m.NfInterpreterCommit).Append(", ESP-IDF ").Append(m.EspIdfTag)
         .Append(" (what that commit's dev container and CMake fetch). Details: image-manifest.json.\n\n");
        b.Append("In nanoFramework's ESP32 dev container (ghcr.io/nanoframework/dev-container-esp32), with this folder as $OUT:\n\n");
        b.Append("```\n");
        b.Append("git clone https://github.com/nanoframework/nf-interpreter && cd nf-interpreter\n");
        b.Append("git checkout ").Append(m.NfInterpreterCommit).Append('\n');
        b.Append("rm -rf build sdkconfig            # a stale sdkconfig or build/.config would win over the defaults\n");
        b.Append("cp -r \"$OUT\"/InteropAssemblies \"$OUT\"/CMake \"$OUT\"/config \"$OUT\"/build .\n");
        if (o.SecureBoot)
            b.Append("espsecure generate-signing-key --version 2 --scheme rsa3072 ").Append(o.SigningKey)
             .Append("   # once per fleet; keep it offline afterwards\n");
        b.Append(ConfigureCommand(o)).Append('\n');
        b.Append("cmake --build build\n");
        b.Append("```\n\n");
        b.Append("Outputs: build/bootloader/bootloader.bin (0x1000), build/partition_table/partition-table.bin (0x8000, from our\n");
        b.Append("partitions.csv; ignore nanoFramework's build/partitions_4mb.bin, made from its own table), build/nanoCLR.bin (ota_0 at\n");
        b.Append("0x10000). ESP-IDF's check_sizes.py fails the build if the bootloader reaches 0x8000 or nanoCLR exceeds the 0x190000 slot.\n");
        if (o.SecureBoot)
            b.Append("Secure boot v2: the bootloader and nanoCLR.bin are signed by the build; burn nothing by hand, the bootloader enables it on first boot.\n");
        return b.ToString();
    }
}
