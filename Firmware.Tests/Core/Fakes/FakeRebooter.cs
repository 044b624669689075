using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    public sealed class FakeRebooter : IRebooter
    {
        public int Reboots { get; private set; }

        public string LastReason { get; private set; }

        public void Reboot(string reason)
        {
            Reboots++;
            LastReason = reason;
        }
    }
}
