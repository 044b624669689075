using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.Ota;
using Xunit;

namespace NfBuild.Tests.Ota;

/// <summary>
/// <c>otatool.py switch_ota_partition</c>. Known answers from ESP-IDF v5.5.5 components/app_update/otatool.py
/// run locally (Python 3.11.7): <c>OtatoolTarget.switch_ota_partition</c> called with the partition table
/// of partitions_two_ota.csv and the otadata contents below, the target's read/write replaced by an
/// in-memory 0x2000-byte image (no device); the written images were dumped with hex() and hashlib.sha256.
/// </summary>
public class OtatoolSwitchTests
{
    private static string Hex(byte[] image, int offset) => Convert.ToHexStringLower(image.AsSpan(offset, 32));

    private static readonly OtaSlotLayout TwoSlots = new(OtaAppCount: 2, HasFactory: false);

    private static readonly string Ff20 = string.Concat(Enumerable.Repeat("ff", 20));

    [Fact]
    public void Switching_from_blank_otadata_matches_otatool()
    {
        var image = Enumerable.Repeat((byte)0xFF, 0x2000).ToArray();

        image = OtatoolSwitch.Switch(image, TwoSlots, slot: 1);
        // Only seq and crc are written: the state stays 0xFFFFFFFF.
        Assert.Equal("02000000" + Ff20 + "ffffffff" + "7437f655", Hex(image, 0));
        Assert.Equal("ff" + string.Concat(Enumerable.Repeat("ff", 31)), Hex(image, 0x1000));
        Assert.Equal("71678d8929e5fbe9562f7f7f0aa7c97496f53528af2d50adb5ce7378c5ff903b", Sha256(image));

        image = OtatoolSwitch.Switch(image, TwoSlots, 0);
        Assert.Equal("03000000" + Ff20 + "ffffffff" + "11504aed", Hex(image, 0x1000));
        Assert.Equal("c1ea7a2a6df13cab8575c6beba26a627a4131ca61d584da1d27ba16c39f2a2ef", Sha256(image));

        // Already on slot 0: otatool still writes the other copy, with the same seq.
        image = OtatoolSwitch.Switch(image, TwoSlots, 0);
        Assert.Equal("03000000" + Ff20 + "ffffffff" + "11504aed", Hex(image, 0));
        Assert.Equal("f7fc535b5ab543e8c3d45522d15c5e17961a3b7667a62bd489cec443f4910b3c", Sha256(image));

        image = OtatoolSwitch.Switch(image, TwoSlots, 1);
        Assert.Equal("04000000" + Ff20 + "ffffffff" + "a8689d70", Hex(image, 0x1000));
        Assert.Equal("d87f71d753ecba7b9ba7c30a85b12bd162e195fc2955fb117efbc06690f07ccd", Sha256(image));

        image = OtatoolSwitch.Switch(image, TwoSlots, 1);
        Assert.Equal("65863c22d561d3975316bd6377eb73caa201515e11752b5195af8d3929419103", Sha256(image));
    }

    [Fact]
    public void Otatool_ignores_and_keeps_the_state()
    {
        // Copy 0: seq 1 VALID; copy 1: seq 2 INVALID. otatool counts both as valid (it only checks seq/crc),
        // bases the new seq on copy 1 and patches copy 0, whose VALID state stays.
        var image = Enumerable.Repeat((byte)0xFF, 0x2000).ToArray();
        OtaSelectEntry.Create(1, OtaImageState.Valid).ToBytes().CopyTo(image, 0);
        OtaSelectEntry.Create(2, OtaImageState.Invalid).ToBytes().CopyTo(image, 0x1000);

        image = OtatoolSwitch.Switch(image, TwoSlots, 0);

        Assert.Equal("03000000" + Ff20 + "02000000" + "11504aed", Hex(image, 0));
        Assert.Equal("02000000" + Ff20 + "03000000" + "7437f655", Hex(image, 0x1000));
        Assert.Equal("e24aaf826358647c0a8914dc0099abb35b278c324604b45458b07f98ed33cd51", Sha256(image));
    }

    [Fact]
    public void Switch_on_flash_rewrites_the_partition()
    {
        var flash = new MemoryFlash(0x2000);
        var otaData = new OtaDataPartition(flash);
        otaData.SwitchOtaPartition(TwoSlots, slot: 1);
        otaData.SwitchOtaPartition(TwoSlots, slot: 0);
        Assert.Equal("c1ea7a2a6df13cab8575c6beba26a627a4131ca61d584da1d27ba16c39f2a2ef", Sha256(flash.Contents));
        Assert.Equal(AppSlot.Ota(0), otaData.GetBootPartition(new OtaSlotLayout(2, HasFactory: true)));
    }

    [Fact]
    public void Unknown_slot_and_missing_apps_are_rejected()
    {
        var image = new byte[0x2000];
        Assert.Equal("Partition to switch to not found: ota_2 (there are 2 OTA app partitions)",
            Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, TwoSlots, 2)).Message);
        Assert.Equal("No ota app partitions found", Assert.Throws<Esp32FormatException>(() => OtatoolSwitch.Switch(image, new OtaSlotLayout(0, HasFactory: true), 0)).Message);
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
}
