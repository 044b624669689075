using System.CommandLine;
using Esp32.Formats.AppImage;

namespace NfBuild.Cli.Commands;

/// <summary>`image info`: what esptool image-info shows of an ESP32 app image, with verification.</summary>
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
        return image;
    }
}
