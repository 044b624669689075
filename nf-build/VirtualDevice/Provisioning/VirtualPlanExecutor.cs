using System.Numerics;
using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Esp32.Virtual;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>
/// Executes a <see cref="ProvisioningPlan"/> on a virtual ESP32, each step as the tool would do it on the board:
/// encryption as espsecure (<see cref="Esp32FlashEncryption"/>), writes as esptool (erase the 4 KB sectors, then
/// write the raw bytes), burns as espefuse (<see cref="Esp32Efuses"/>, bits only 0→1, write protection honoured).
/// Work files stay in memory.
/// </summary>
public static class VirtualPlanExecutor
{
    /// <summary>Runs the plan on <paramref name="chip"/> and <paramref name="efuses"/> (a blank chip unless given).</summary>
    public static (FlashChip Flash, Esp32Efuses Efuses) Execute(ProvisioningPlan plan, FlashChip? chip = null, Esp32Efuses? efuses = null)
    {
        chip ??= new FlashChip();
        efuses ??= new Esp32Efuses();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[] File(string name) => files.TryGetValue(name, out var b) ? b : throw new InvalidOperationException($"plan uses {name} before any step wrote it");
        foreach (var step in plan.Steps)
        {
            switch (step)
            {
                case WriteWorkFileStep w:
                    files[w.File] = w.Contents;
                    break;
                case EncryptFileStep e:
                    files[e.Output] = Esp32FlashEncryption.Encrypt(File(e.KeyFile), (int)e.Address, File(e.Input), e.FlashCryptConfig);
                    break;
                case WriteFlashStep f:
                    foreach (var write in f.Writes)
                        WriteFlash(chip, write.Address, File(write.File));
                    break;
                case SignDataStep sd:
                    using (var key = System.Security.Cryptography.RSA.Create())
                    {
                        key.ImportFromPem(System.IO.File.ReadAllText(sd.KeyPath));
                        files[sd.Output] = Esp32.Formats.SecureBoot.SecureBootV2Signer.Sign(File(sd.Input), key, sd.Salt);
                    }
                    break;
                case BurnKeyDigestStep kd:
                    using (var pub = System.Security.Cryptography.RSA.Create())
                    {
                        pub.ImportFromPem(System.Text.Encoding.ASCII.GetString(File(kd.PublicKeyFile)));
                        efuses.BurnSecureBootKeyDigest(Esp32.Formats.SecureBoot.SecureBootV2PublicKey.FromRsa(pub).Digest(), kd.ChipRevision);
                    }
                    break;
                case BurnKeyStep k:
                    efuses.BurnFlashEncryptionKey(File(k.KeyFile), protectKey: true);
                    break;
                case BurnEfuseStep b:
                    foreach (var v in b.Values)
                        efuses.Burn(Field(v.Field), v.Value);
                    break;
                case WriteProtectEfuseStep p:
                    WriteProtect(efuses, p.Field);
                    break;
                default:
                    throw new ArgumentException($"unknown plan step {step.GetType().Name}");
            }
        }
        return (chip, efuses);
    }

    /// <summary>esptool write-flash of one file: erase the sectors it covers, write it (padded to 4 bytes with 0xFF).</summary>
    public static void WriteFlash(FlashChip chip, uint address, byte[] data)
    {
        const int sector = 0x1000;
        int start = (int)address & ~(sector - 1);
        int end = ((int)address + data.Length + sector - 1) & ~(sector - 1);
        if (end > chip.Size)
            throw new InvalidOperationException($"write of {data.Length} bytes at 0x{address:X} runs past the 0x{chip.Size:X}-byte flash");
        chip.Io.Erase(start, end - start);
        byte[] padded = ProvisioningPlanBuilderPad4(data);
        chip.Io.Write((int)address, padded);
    }

    private static byte[] ProvisioningPlanBuilderPad4(byte[] data)
    {
        int length = (data.Length + 3) & ~3;
        if (length == data.Length)
            return data;
        var padded = new byte[length];
        Array.Fill(padded, (byte)0xFF);
        data.CopyTo(padded, 0);
        return padded;
    }

    private static Esp32EfuseField Field(string name) =>
        Esp32EfuseFields.Find(name) ?? throw new ArgumentException($"eFuse {name} is not modelled by the virtual ESP32");

    /// <summary>espefuse write-protect-efuse: DIS_CACHE (not modelled as a field) is WR_DIS bit 3.</summary>
    private static void WriteProtect(Esp32Efuses efuses, string name)
    {
        if (name == "DIS_CACHE")
        {
            uint wrDis = efuses.ReadHardware(Esp32EfuseFields.WrDis);
            efuses.Burn(Esp32EfuseFields.WrDis, wrDis | (1u << Esp32EfuseFields.WrDisBitDisCache));
            return;
        }
        efuses.WriteProtect(Field(name));
    }

    internal static int PopCount(uint v) => BitOperations.PopCount(v);
}
