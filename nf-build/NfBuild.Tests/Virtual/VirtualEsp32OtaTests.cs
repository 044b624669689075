using Esp32.Formats.Ota;
using Esp32.Virtual;
using Xunit;

namespace NfBuild.Tests.Virtual;

public class VirtualEsp32OtaTests
{
    private static VirtualEsp32 RunningV1(SecuritySettings settings, uint secureVersion = 0)
    {
        var device = TestDevices.Provisioned(settings, TestDevices.App("1.0.0", secureVersion));
        device.PowerOn();
        return device;
    }

    private static void WriteSlot(VirtualEsp32 device, int slot, byte[] app)
    {
        var partition = device.Ota.SlotPartition(slot);
        partition.Erase(0, (app.Length + 0xFFF) & ~0xFFF);
        var padded = new byte[(app.Length + 15) & ~15];
        Array.Fill(padded, (byte)0xFF);
        app.CopyTo(padded, 0);
        partition.Write(0, padded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Update_Confirmed_StaysOnTheNewSlot(bool encrypted)
    {
        var device = RunningV1(encrypted ? SecuritySettings.Secure : SecuritySettings.Plain);
        Assert.Equal(1, device.Ota.NextUpdateSlot);
        WriteSlot(device, 1, TestDevices.App("1.1.0"));

        Assert.Equal(OtaError.Ok, device.Ota.SetBootPartition(1));
        BootReport trial = device.Reboot();
        Assert.Equal(AppSlot.Ota(1), trial.RunningSlot);
        Assert.Equal(OtaImageState.PendingVerify, device.Ota.RunningState);

        Assert.Equal(OtaError.Ok, device.Ota.MarkAppValidCancelRollback());
        BootReport after = device.Reboot();
        Assert.Equal("1.1.0", after.RunningVersion);
        Assert.Equal(OtaImageState.Valid, device.Ota.RunningState);
    }

    [Fact]
    public void Update_NotConfirmed_RollsBackOnTheNextBoot()
    {
        var device = RunningV1(SecuritySettings.Secure);
        WriteSlot(device, 1, TestDevices.App("1.1.0"));
        device.Ota.SetBootPartition(1);
        device.Reboot(); // trial boot, crashes before confirming

        BootReport back = device.Reboot();

        Assert.Equal(AppSlot.Ota(0), back.RunningSlot);
        Assert.Equal("1.0.0", back.RunningVersion);
    }

    [Fact]
    public void Update_RejectedBySelfTest_GoesBackImmediately()
    {
        var device = RunningV1(SecuritySettings.Secure);
        WriteSlot(device, 1, TestDevices.App("1.1.0"));
        device.Ota.SetBootPartition(1);
        device.Reboot();

        var (error, boot) = device.Ota.MarkAppInvalidRollbackAndReboot();

        Assert.Equal(OtaError.Ok, error);
        Assert.Equal("1.0.0", boot!.RunningVersion);
    }

    [Fact]
    public void CorruptImage_CannotBeSelected()
    {
        var device = RunningV1(SecuritySettings.Secure);
        byte[] app = TestDevices.App("1.1.0");
        app[100] ^= 0x01; // breaks checksum and SHA-256
        WriteSlot(device, 1, app);

        Assert.Equal(OtaError.ValidateFailed, device.Ota.SetBootPartition(1));
        Assert.Equal("1.0.0", device.Reboot().RunningVersion);
    }

    [Fact]
    public void AntiRollback_RefusesAnOlderSecureVersion_OnceTheNewerOneIsConfirmed()
    {
        var device = RunningV1(SecuritySettings.Secure, secureVersion: 1);
        WriteSlot(device, 1, TestDevices.App("2.0.0", secureVersion: 2));
        device.Ota.SetBootPartition(1);
        device.Reboot();
        device.Ota.MarkAppValidCancelRollback();
        Assert.Equal(2, device.Efuses.ReadSecureVersion());

        // An attacker (or a stale server) offers the old, once-valid image again.
        WriteSlot(device, 0, TestDevices.App("1.0.0", secureVersion: 1));
        OtaError error = device.Ota.SetBootPartition(0);

        Assert.Equal(OtaError.SmallSecureVersion, error);
        Assert.Equal("2.0.0", device.Reboot().RunningVersion);
    }

    [Fact]
    public void PowerCutWhileSelectingTheNewSlot_StillBootsAValidApp_AtEveryCutPoint()
    {
        var reference = RunningV1(SecuritySettings.Secure);
        WriteSlot(reference, 1, TestDevices.App("1.1.0"));
        byte[] baseline = reference.Flash.Dump();
        string efuses = Esp32.Formats.Efuse.Esp32EfuseFile.ToJson(reference.Efuses);
        reference.Flash.Io.ResetCount();
        reference.Ota.SetBootPartition(1);
        int operations = reference.Flash.Io.OperationCount;

        for (int cut = 1; cut <= operations; cut++)
        {
            var device = new VirtualEsp32(FlashChip.FromImage((byte[])baseline.Clone()), Esp32.Formats.Efuse.Esp32EfuseFile.FromJson(efuses), SecuritySettings.Secure);
            device.PowerOn();
            device.CutPowerAfter(cut);
            Assert.ThrowsAny<Exception>(() => device.Ota.SetBootPartition(1));

            string? version = device.PowerOn().RunningVersion;
            Assert.True(version is "1.0.0" or "1.1.0", $"cut at operation {cut}: booted '{version}'");
        }
    }
}
