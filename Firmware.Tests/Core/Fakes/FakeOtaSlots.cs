using System;
using IotDevice.Core.Platform;

namespace IotDevice.Tests.Core.Fakes
{
    /// <summary>Thrown where the device would restart (a reboot request, marking an image invalid).</summary>
    public sealed class FakeRebootException : Exception
    {
        public FakeRebootException(string reason) : base("reboot: " + reason)
        {
        }
    }

    /// <summary>
    /// The bootloader's slot state, simplified: a selected slot boots once in PENDING_VERIFY; unconfirmed at the
    /// next boot (or marked invalid) it is abandoned for the previous one. Also the app writer and the deploy
    /// partitions (IOtaSlotWriter, IDeploySlots) over <see cref="FakeFlashPair"/>s, and the rebooter.
    /// </summary>
    public sealed class FakeOtaSlots : IOtaSlots, IOtaSlotWriter, IDeploySlots, IRebooter
    {
        private int _writeSlot = -1;
        private int _position;
        private int _selected = -1;

        public FakeOtaSlots(int appSlotSize, int deploySlotSize)
        {
            App = new FakeFlashPair(appSlotSize);
            Deploy = new FakeFlashPair(deploySlotSize);
            RunningState = OtaImageState.Valid;
            EndResult = true;
            SetBootResult = true;
        }

        public FakeFlashPair App { get; private set; }

        public FakeFlashPair Deploy { get; private set; }

        public int RunningSlot { get; set; }

        public OtaImageState RunningState { get; set; }

        public int SecureVersionFloor { get; set; }

        public bool EndResult { get; set; }

        public bool SetBootResult { get; set; }

        public int Begins { get; private set; }

        public int Resumes { get; private set; }

        public int LastResumeOffset { get; private set; }

        public int Aborts { get; private set; }

        public int Ends { get; private set; }

        public int BootSelections { get; private set; }

        public int MarkedValid { get; private set; }

        public int MarkedInvalid { get; private set; }

        public int Reboots { get; private set; }

        public string LastRebootReason { get; private set; }

        /// <summary>Erases of both pairs together: the "nothing erased" assertions.</summary>
        public int Erases
        {
            get { return App.Erases + Deploy.Erases; }
        }

        public int Writes
        {
            get { return App.Writes + Deploy.Writes; }
        }

        // ---- IOtaSlots ----

        public void MarkRunningValid()
        {
            MarkedValid++;
            RunningState = OtaImageState.Valid;
        }

        public void MarkRunningInvalidAndReboot()
        {
            MarkedInvalid++;
            RunningState = OtaImageState.Invalid;
            Boot();
            throw new FakeRebootException("marked invalid");
        }

        // ---- IRebooter ----

        public void Reboot(string reason)
        {
            Reboots++;
            LastRebootReason = reason;
            throw new FakeRebootException(reason);
        }

        /// <summary>What the bootloader does at power-on.</summary>
        public void Boot()
        {
            _writeSlot = -1;
            if (RunningState == OtaImageState.PendingVerify || RunningState == OtaImageState.Invalid)
            {
                // never confirmed (or rejected): back to the other slot
                RunningSlot = 1 - RunningSlot;
                RunningState = OtaImageState.Valid;
                _selected = -1;
                return;
            }
            if (_selected >= 0)
            {
                RunningSlot = _selected;
                RunningState = OtaImageState.PendingVerify;
                _selected = -1;
            }
        }

        // ---- IOtaSlotWriter ----

        public int InactiveSlot
        {
            get { return 1 - RunningSlot; }
        }

        public int SlotSize
        {
            get { return App.Size; }
        }

        public void Begin(int imageSize)
        {
            Begins++;
            _writeSlot = InactiveSlot;
            for (int at = 0; at < imageSize; at += 4096)
                App.EraseSector(_writeSlot, at);
            _position = 0;
        }

        public void Resume(int imageSize, int offset)
        {
            Resumes++;
            LastResumeOffset = offset;
            _writeSlot = InactiveSlot;
            for (int at = offset; at < imageSize; at += 4096)
                App.EraseSector(_writeSlot, at);
            _position = offset;
        }

        public void Write(byte[] buffer, int offset, int count)
        {
            if (_writeSlot < 0)
                throw new InvalidOperationException("write without begin");
            App.Write(_writeSlot, _position, buffer, offset, count);
            _position += count;
        }

        public bool End()
        {
            Ends++;
            return EndResult;
        }

        public bool SetBootSlot()
        {
            if (!SetBootResult)
                return false;
            BootSelections++;
            _selected = _writeSlot;
            return true;
        }

        public void Abort()
        {
            Aborts++;
            _writeSlot = -1;
        }

        void IOtaSlotWriter.Read(int slot, int offset, byte[] buffer, int count)
        {
            App.Read(slot, offset, buffer, count);
        }

        // ---- IDeploySlots ----

        int IDeploySlots.SlotSize(int slot)
        {
            return Deploy.Size;
        }

        public void Erase(int slot, int offset, int length)
        {
            if (slot == RunningSlot)
                throw new InvalidOperationException("erase of the running deploy partition");
            for (int at = offset; at < offset + length; at += 4096)
                Deploy.EraseSector(slot, at);
        }

        void IDeploySlots.Write(int slot, int offset, byte[] buffer, int count)
        {
            if (slot == RunningSlot)
                throw new InvalidOperationException("write to the running deploy partition");
            Deploy.Write(slot, offset, buffer, 0, count);
        }

        void IDeploySlots.Read(int slot, int offset, byte[] buffer, int count)
        {
            Deploy.Read(slot, offset, buffer, count);
        }
    }
}
