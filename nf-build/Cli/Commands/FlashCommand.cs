using System.CommandLine;
using Esp32.Formats.FlashEncryption;

namespace NfBuild.Cli.Commands;

/// <summary>
/// `flash encrypt|decrypt`: original-ESP32 flash encryption of a file destined for (or read from) a
/// flash address, as espsecure encrypt_flash_data / decrypt_flash_data (without --aes-xts) do.
/// </summary>
internal static class FlashCommand
{
    public static Command Create()
    {
        var flash = new Command("flash", "ESP32 flash encryption (AES-256 with the per-32-byte address tweak), compatible with espsecure.");
        flash.Add(Transform("encrypt", "Encrypt a plaintext file for writing at --address (espsecure encrypt-flash-data).", encrypt: true));
        flash.Add(Transform("decrypt", "Decrypt a file read from flash at --address (espsecure decrypt-flash-data).", encrypt: false));
        return flash;
    }

    private static Command Transform(string name, string description, bool encrypt)
    {
        var input = new Argument<FileInfo>("input") { Description = "Input file; its length must be a multiple of 16 bytes." };
        var key = new Option<FileInfo>("--key") { Description = "Flash encryption key file: 32 bytes, or 24 bytes under the 3/4 coding scheme (espsecure byte order).", Required = true };
        var address = new Option<int>("--address") { Description = "Flash address the data sits at (multiple of 16; decimal or 0x-hex).", Required = true, CustomParser = NumberParser.ParseIntArgument };
        var conf = new Option<int>("--flash-crypt-conf") { Description = "FLASH_CRYPT_CONFIG eFuse value 0..0xF (which key bits the address tweak changes).", DefaultValueFactory = _ => 0xF, CustomParser = NumberParser.ParseIntArgument };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Output file.", Required = true };
        var command = new Command(name, description) { input, key, address, conf, output };
        command.SetAction(parse =>
        {
            int flashCryptConf = parse.GetValue(conf);
            if (flashCryptConf > 0xF)
                throw new CliUsageException($"--flash-crypt-conf 0x{flashCryptConf:X} is not a 4-bit value (0..0xF)");
            byte[] keyBytes = OutputFile.ReadInput(parse.GetValue(key)!.FullName, "key file");
            if (keyBytes.Length is not (FlashEncryptionKeyFile.Size256 or FlashEncryptionKeyFile.Size192))
                throw new CliUsageException($"key file '{parse.GetValue(key)!.FullName}' has {keyBytes.Length} bytes; an ESP32 flash encryption key has 32 (or 24 under the 3/4 coding scheme)");
            byte[] data = OutputFile.ReadInput(parse.GetValue(input)!.FullName, "input file");
            int at = parse.GetValue(address);
            byte[] result = encrypt
                ? Esp32FlashEncryption.Encrypt(keyBytes, at, data, flashCryptConf)
                : Esp32FlashEncryption.Decrypt(keyBytes, at, data, flashCryptConf);
            OutputFile.Write(parse.GetValue(output)!.FullName, result);
            parse.InvocationConfiguration.Output.WriteLine($"{name}ed {data.Length} bytes at 0x{at:X} to {parse.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }
}
