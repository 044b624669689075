using System;
using IotDevice.Core.Connectivity;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core
{
    [TestClass]
    public class ReconnectBackoffTests
    {
        [TestMethod]
        [DataRow(1, 1000)]
        [DataRow(2, 2000)]
        [DataRow(3, 4000)]
        [DataRow(5, 16000)]
        [DataRow(6, 30000)]
        [DataRow(40, 30000)]
        public void Step_DoublesUpToTheCap(int failures, int expectedStepMs)
        {
            ReconnectBackoff backoff = new ReconnectBackoff(1000, 30000, new Random(1));
            for (int i = 0; i < failures; i++)
                backoff.NextDelayMs();

            Assert.AreEqual(expectedStepMs, backoff.CurrentStepMs);
        }

        [TestMethod]
        public void Delay_IsJitteredBetweenHalfAndTheWholeStep()
        {
            ReconnectBackoff backoff = new ReconnectBackoff(1000, 30000, new Random(7));
            for (int i = 0; i < 50; i++)
            {
                int delay = backoff.NextDelayMs();
                int step = backoff.CurrentStepMs;
                Assert.IsTrue(delay >= step / 2 && delay <= step, "delay " + delay.ToString() + " outside [" + (step / 2).ToString() + ", " + step.ToString() + "]");
            }
        }

        [TestMethod]
        public void Jitter_SpreadsAFleet()
        {
            // Ten devices failing at the same moment must not all retry at the same millisecond.
            int first = new ReconnectBackoff(1000, 30000, new Random(1)).NextDelayMs();
            bool anyDifferent = false;
            for (int seed = 2; seed <= 10; seed++)
            {
                if (new ReconnectBackoff(1000, 30000, new Random(seed)).NextDelayMs() != first)
                    anyDifferent = true;
            }

            Assert.IsTrue(anyDifferent);
        }

        [TestMethod]
        public void Reset_StartsOverFromTheInitialDelay()
        {
            ReconnectBackoff backoff = new ReconnectBackoff(500, 8000, new Random(3));
            backoff.NextDelayMs();
            backoff.NextDelayMs();
            backoff.NextDelayMs();
            backoff.Reset();

            Assert.AreEqual(0, backoff.ConsecutiveFailures);
            int delay = backoff.NextDelayMs();
            Assert.IsTrue(delay >= 250 && delay <= 500);
        }

        [TestMethod]
        public void BadSettings_AreRejected()
        {
            Assert.ThrowsException(typeof(ArgumentOutOfRangeException), () => new ReconnectBackoff(0, 1000, new Random()));
            Assert.ThrowsException(typeof(ArgumentOutOfRangeException), () => new ReconnectBackoff(2000, 1000, new Random()));
            Assert.ThrowsException(typeof(ArgumentNullException), () => new ReconnectBackoff(1000, 2000, null));
        }
    }
}
