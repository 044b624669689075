using System;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>Raised by the OTA fakes when a test cuts power: nothing after it runs (the rig then "reboots").</summary>
    public sealed class FakePowerCutException : Exception
    {
        public FakePowerCutException(string message) : base(message)
        {
        }
    }

    /// <summary>
    /// Two partitions of a pair (ota_0/ota_1 or deploy_0/deploy_1) with NOR rules: erase is per 4 KB sector and
    /// sets 0xFF; a write must land on erased bytes (else it throws, catching a missing erase before a resume).
    /// Counts erases and writes, and can cut power at the n-th write.
    /// </summary>
    public sealed class FakeFlashPair
    {
        private readonly byte[][] _slots;

        public FakeFlashPair(int size)
        {
            _slots = new byte[][] { new byte[size], new byte[size] };
            for (int s = 0; s < 2; s++)
            {
                for (int i = 0; i < size; i++)
                    _slots[s][i] = 0xFF;
            }
        }

        public int Size
        {
            get { return _slots[0].Length; }
        }

        public int Erases { get; private set; }

        public int Writes { get; private set; }

        /// <summary>When positive: the write with this number (counted from now on) throws <see cref="FakePowerCutException"/> after writing half its bytes.</summary>
        public int CutAtWrite { get; set; }

        public byte[] Slot(int slot)
        {
            return _slots[slot];
        }

        public void Fill(int slot, byte[] data)
        {
            Array.Copy(data, 0, _slots[slot], 0, data.Length);
        }

        public void EraseSector(int slot, int offset)
        {
            if (offset % 4096 != 0)
                throw new ArgumentException("erase not sector aligned");
            Erases++;
            for (int i = 0; i < 4096 && offset + i < _slots[slot].Length; i++)
                _slots[slot][offset + i] = 0xFF;
        }

        public void Write(int slot, int at, byte[] buffer, int offset, int count)
        {
            if (at % 16 != 0 || count % 16 != 0)
                throw new ArgumentException("write not 16-byte aligned: " + at.ToString() + "+" + count.ToString());
            Writes++;
            int n = count;
            bool cut = false;
            if (CutAtWrite > 0)
            {
                CutAtWrite--;
                if (CutAtWrite == 0)
                {
                    n = count / 2;
                    cut = true;
                }
            }
            for (int i = 0; i < n; i++)
            {
                if (_slots[slot][at + i] != 0xFF)
                    throw new InvalidOperationException("write to unerased flash at " + (at + i).ToString());
                _slots[slot][at + i] = buffer[offset + i];
            }
            if (cut)
                throw new FakePowerCutException("power cut during write at " + at.ToString());
        }

        public void Read(int slot, int at, byte[] buffer, int count)
        {
            Array.Copy(_slots[slot], at, buffer, 0, count);
        }

        /// <summary>True when the first <paramref name="data"/>.Length bytes of the slot are <paramref name="data"/>.</summary>
        public bool Holds(int slot, byte[] data)
        {
            for (int i = 0; i < data.Length; i++)
            {
                if (_slots[slot][i] != data[i])
                    return false;
            }
            return true;
        }
    }
}
