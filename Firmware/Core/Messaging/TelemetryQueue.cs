using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// Telemetry waiting for the primary broker: FIFO, bounded in BYTES (the ESP32 has ~100 KB of free heap,
    /// so a message count alone would not bound memory), the oldest message dropped and counted when a new
    /// one does not fit. A message leaves the queue only when the broker acknowledged it (PUBACK), so a
    /// connection lost mid-publish re-sends it after reconnecting (QoS 1: at least once).
    /// Allocation: the queue keeps a reference to the caller's payload array (it takes ownership; the caller
    /// must not reuse it) in a ring of references that only grows when full, so queueing and delivering a
    /// message allocates nothing in steady state.
    /// </summary>
    public sealed class TelemetryQueue
    {
        public const int DefaultMaxBytes = 8 * 1024;
        public const int DefaultMaxMessages = 256;

        private readonly int _maxBytes;
        private readonly int _maxMessages;
        private byte[][] _ring;
        private int _head;
        private int _count;
        private int _bytes;
        private int _dropped;

        public TelemetryQueue()
            : this(DefaultMaxBytes, DefaultMaxMessages)
        {
        }

        public TelemetryQueue(int maxBytes, int maxMessages)
        {
            if (maxBytes <= 0)
                throw new ArgumentOutOfRangeException("maxBytes");
            if (maxMessages <= 0)
                throw new ArgumentOutOfRangeException("maxMessages");
            _maxBytes = maxBytes;
            _maxMessages = maxMessages;
            _ring = new byte[maxMessages < 16 ? maxMessages : 16][];
        }

        public int MaxBytes
        {
            get { return _maxBytes; }
        }

        public int Count
        {
            get { return _count; }
        }

        /// <summary>Sum of the queued payload sizes.</summary>
        public int Bytes
        {
            get { return _bytes; }
        }

        /// <summary>Messages lost since boot: evicted as oldest, or refused for being larger than the whole queue.</summary>
        public int Dropped
        {
            get { return _dropped; }
        }

        /// <summary>
        /// Queues <paramref name="payload"/>, evicting the oldest messages until it fits. Returns false (and
        /// counts a drop) only for a payload larger than the whole bound.
        /// </summary>
        public bool Enqueue(byte[] payload)
        {
            if (payload == null)
                throw new ArgumentNullException("payload");
            if (payload.Length > _maxBytes)
            {
                _dropped++;
                return false;
            }
            while (_count > 0 && (_bytes + payload.Length > _maxBytes || _count >= _maxMessages))
            {
                RemoveFirst();
                _dropped++;
            }
            if (_count == _ring.Length)
                Grow();
            _ring[(_head + _count) % _ring.Length] = payload;
            _count++;
            _bytes += payload.Length;
            return true;
        }

        /// <summary>The oldest message (still queued), or null when empty.</summary>
        public byte[] Peek()
        {
            return _count == 0 ? null : _ring[_head];
        }

        /// <summary>Removes the oldest message: call after its PUBACK.</summary>
        public void RemoveFirst()
        {
            if (_count == 0)
                throw new InvalidOperationException("telemetry queue is empty");
            byte[] first = _ring[_head];
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            _bytes -= first.Length;
        }

        private void Grow()
        {
            int size = _ring.Length * 2;
            if (size > _maxMessages)
                size = _maxMessages;
            byte[][] bigger = new byte[size][];
            for (int i = 0; i < _count; i++)
                bigger[i] = _ring[(_head + i) % _ring.Length];
            _ring = bigger;
            _head = 0;
        }
    }
}
