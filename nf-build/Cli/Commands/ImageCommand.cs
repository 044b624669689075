using System.CommandLine;
using Esp32.Formats.AppImage;
using NfBuild.Image;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `image info`: what esptool image-info shows of an ESP32 app image, with verification.
/// `image config`: the configuration and sources nanoFramework's ESP32 build needs for our image (README.md, "ESP32 image").
/// </summary>
internal static class ImageCommand
{
    public static Command Create()
    {
        var image = new Command("image", "ESP32 app images (esp_image_header_t, segments, checksum, SHA-256, esp_app_desc_t).");
        var file = new Argument<FileInfo>("app") { Description = "App image (.bin)." };
        var info = new Command("info", "Print the header, segments, checksum and hash verification and the app description; exit code 1 when the image does not verify.") { file };
        info.SetAction(parse =>
        {
            AppImageInfo image = AppImageInfo.Parse(OutputFile.ReadInput(parse.GetValue(file)!.FullName, "app image"));
            var o = parse.InvocationConfiguration.Output;
            AppImageHeader h = image.Header;
            o.WriteLine($"Image length: {image.Length} bytes");
            o.WriteLine($"Entry point: 0x{h.EntryAddress:X8}");
            o.WriteLine($"Segments: {image.Segments.Count}");
            o.WriteLine($"Flash: mode {h.SpiMode}, frequency {h.SpiSpeed}, size {h.SpiSize}");
            o.WriteLine($"Chip ID: {h.ChipId} (ESP32 is 0), chip revision {h.MinChipRevFull / 100}.{h.MinChipRevFull % 100} .. {h.MaxChipRevFull / 100}.{h.MaxChipRevFull % 100}");
            o.WriteLine();
            o.WriteLine("Segment  Length    Load addr   File offs   Memory types");
            foreach (AppImageSegment s in image.Segments)
                o.WriteLine($"{s.Index,7}  0x{s.Length:x5}  0x{s.LoadAddress:x8}  0x{s.HeaderOffset:x8}  {s.MemoryRegion}");
            o.WriteLine();
            o.WriteLine($"Checksum: 0x{image.StoredChecksum:x2} ({(image.ChecksumValid ? "valid" : $"invalid - calculated 0x{image.ComputedChecksum:x2}")})");
            if (image.HashAppended)
                o.WriteLine($"Validation hash: {Convert.ToHexStringLower(image.StoredSha256!)} ({(image.Sha256Valid == true ? "valid" : "invalid - calculated " + Convert.ToHexStringLower(image.ComputedSha256!))})");
            if (image.Description is { } d)
            {
                o.WriteLine();
                o.WriteLine("Application information");
                o.WriteLine($"Project name: {d.ProjectName}");
                o.WriteLine($"App version: {d.Version}");
                o.WriteLine($"Compile time: {d.Date} {d.Time}");
                o.WriteLine($"ELF file SHA256: {Convert.ToHexStringLower(d.AppElfSha256.Span)}");
                o.WriteLine($"ESP-IDF: {d.IdfVersion}");
                o.WriteLine($"Secure version: {d.SecureVersion}");
            }
            foreach (string problem in image.Problems)
                parse.InvocationConfiguration.Error.WriteLine("error: " + problem);
            return image.IsValid ? 0 : 1;
        });
        image.Add(info);
        image.Add(Config());
        return image;
    }

    private static Command Config()
    {
        var target = new Option<string>("--target") { Description = "nf-interpreter target preset: ESP32_REV0 (any silicon) or ESP32_REV3 (chip revision v3.0+).", Required = true };
        var flashEncryption = new Option<string>("--flash-encryption") { Description = "Flash-encryption mode: development (re-flashable, not secure) or release.", DefaultValueFactory = _ => "development" };
        var secureBoot = new Option<bool>("--secure-boot") { Description = "Secure boot v2 with signed apps (ESP32_REV3 only)." };
        var secureVersion = new Option<int>("--secure-version") { Description = "The image's anti-rollback secure_version, 0..32 (default 0).", CustomParser = NumberParser.ParseIntArgument, DefaultValueFactory = _ => 0 };
        var signingKey = new Option<string>("--signing-key") { Description = "Secure boot v2 RSA-3072 key file, relative to the nf-interpreter checkout (default secure_boot_signing_key.pem).", DefaultValueFactory = _ => "secure_boot_signing_key.pem" };
        var output = new Option<DirectoryInfo>("-o", "--output") { Description = "Folder to create (must not exist or be empty).", Required = true };
        var config = new Command("config", "Write the image configuration for nanoFramework's ESP32 build: sdkconfig delta, nanoFramework Kconfig overlay, partitions.csv, the IotDevice.Interop native sources and CMake module, image-manifest.json and BUILD.md.")
        {
            target, flashEncryption, secureBoot, secureVersion, signingKey, output,
        };
        config.SetAction(parse =>
        {
            try
            {
                var options = new ImageOptions
                {
                    Target = ImageOptions.ParseTarget(parse.GetValue(target)!),
                    FlashEncryption = ImageOptions.ParseFlashEncryption(parse.GetValue(flashEncryption)!),
                    SecureBoot = parse.GetValue(secureBoot),
                    SecureVersion = parse.GetValue(secureVersion),
                    SigningKey = parse.GetValue(signingKey)!,
                };
                string dir = parse.GetValue(output)!.FullName;
                var files = ImageConfigWriter.Write(options, dir);
                var o = parse.InvocationConfiguration.Output;
                o.WriteLine($"Image configuration for {options.PresetName} written to {dir} ({files.Count} files):");
                foreach (string file in files)
                    o.WriteLine("  " + file);
                o.WriteLine("Build it as BUILD.md says: " + BuildInstructions.ConfigureCommand(options));
                return 0;
            }
            catch (ImageConfigException ex)
            {
                throw new CliUsageException(ex.Message);
            }
        });
        return config;
    }
}
