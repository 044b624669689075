using System;
using IotDevice.Core.Messaging;
using nanoFramework.TestFramework;

namespace IotDevice.Tests.Core.Messaging
{
    [TestClass]
    public class TelemetryQueueTests
    {
        private static byte[] Message(int id, int size)
        {
            byte[] b = new byte[size];
            b[0] = (byte)id;
            return b;
        }

        [TestMethod]
        public void Delivers_InFifoOrder()
        {
            TelemetryQueue q = new TelemetryQueue(1000, 100);
            for (int i = 1; i <= 40; i++)
                q.Enqueue(Message(i, 10));
            for (int i = 1; i <= 40; i++)
            {
                Assert.AreEqual(i, (int)q.Peek()[0]);
                q.RemoveFirst();
            }
            Assert.AreEqual(0, q.Count);
            Assert.AreEqual(0, q.Bytes);
            Assert.IsNull(q.Peek());
        }

        [TestMethod]
        public void IsBoundedInBytes_DroppingAndCountingTheOldest()
        {
            TelemetryQueue q = new TelemetryQueue(100, 100);
            for (int i = 1; i <= 10; i++)
                Assert.IsTrue(q.Enqueue(Message(i, 10)));
            Assert.AreEqual(100, q.Bytes);
            Assert.AreEqual(0, q.Dropped);

            q.Enqueue(Message(11, 25)); // needs 25 bytes: the three oldest (1, 2, 3) go
            Assert.AreEqual(3, q.Dropped);
            Assert.AreEqual(95, q.Bytes);
            Assert.AreEqual(8, q.Count);
            Assert.AreEqual(4, (int)q.Peek()[0]);
        }

        [TestMethod]
        public void IsBoundedInMessages_Too()
        {
            TelemetryQueue q = new TelemetryQueue(10000, 5);
            for (int i = 1; i <= 7; i++)
                q.Enqueue(Message(i, 1));
            Assert.AreEqual(5, q.Count);
            Assert.AreEqual(2, q.Dropped);
            Assert.AreEqual(3, (int)q.Peek()[0]);
        }

        [TestMethod]
        public void RefusesAMessageLargerThanTheWholeQueue_WithoutEvictingOthers()
        {
            TelemetryQueue q = new TelemetryQueue(100, 10);
            q.Enqueue(Message(1, 50));
            Assert.IsFalse(q.Enqueue(Message(2, 101)));
            Assert.AreEqual(1, q.Dropped);
            Assert.AreEqual(1, q.Count);
        }

        [TestMethod]
        public void WrapsAroundAndGrowsWithoutLosingOrder()
        {
            TelemetryQueue q = new TelemetryQueue(100000, 1000);
            int next = 1;
            int expected = 1;
            for (int round = 0; round < 50; round++)
            {
                for (int i = 0; i < 7; i++)
                    q.Enqueue(Message(next++ % 256, 3));
                for (int i = 0; i < 5; i++)
                {
                    Assert.AreEqual(expected++ % 256, (int)q.Peek()[0]);
                    q.RemoveFirst();
                }
            }
            Assert.AreEqual(100, q.Count);
            Assert.AreEqual(0, q.Dropped);
        }

        [TestMethod]
        public void RemoveFirst_OnEmpty_Throws()
        {
            Assert.ThrowsException(typeof(InvalidOperationException), () => new TelemetryQueue().RemoveFirst());
        }
    }
}
