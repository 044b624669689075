using System;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>A clock the test sets and moves; starts synchronised.</summary>
    public sealed class FakeClock : IClock
    {
        public FakeClock(DateTime now)
        {
            UtcNow = now;
            IsSynchronized = true;
        }

        public DateTime UtcNow { get; set; }

        public bool IsSynchronized { get; set; }

        public void AdvanceMs(int milliseconds)
        {
            UtcNow = UtcNow.AddMilliseconds(milliseconds);
        }

        public void AdvanceSeconds(int seconds)
        {
            UtcNow = UtcNow.AddSeconds(seconds);
        }
    }
}
