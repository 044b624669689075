using System;
using IotDevice.Core.Messaging;

namespace IotDevice.Core.Identity
{
    /// <summary>
    /// A minimal ASN.1 DER reader: tag, length, value, with the few types X.509 needs. Every length is
    /// checked against the bytes that are really there before it is used, and only DER is accepted (no
    /// indefinite or non-minimal lengths, no high tag numbers).
    /// Threat: certificates arrive from the network (renewal responses); a hostile length must make the
    /// parse fail with <see cref="DerFormatException"/>, never index out of bounds, allocate gigabytes or
    /// loop: the reader never allocates more than the input size and always moves forward.
    /// </summary>
    public sealed class DerReader
    {
        public const int Boolean = 0x01;
        public const int Integer = 0x02;
        public const int BitString = 0x03;
        public const int OctetString = 0x04;
        public const int Null = 0x05;
        public const int ObjectIdentifier = 0x06;
        public const int Utf8String = 0x0C;
        public const int PrintableString = 0x13;
        public const int Ia5String = 0x16;
        public const int UtcTimeTag = 0x17;
        public const int GeneralizedTime = 0x18;
        public const int Sequence = 0x30;
        public const int Set = 0x31;

        private readonly byte[] _data;
        private readonly int _end;
        private int _pos;

        public DerReader(byte[] data)
            : this(data, 0, data == null ? 0 : data.Length)
        {
        }

        public DerReader(byte[] data, int offset, int count)
        {
            if (data == null)
                throw new DerFormatException("no data");
            if (offset < 0 || count < 0 || count > data.Length - offset)
                throw new DerFormatException("range outside the data");
            _data = data;
            _pos = offset;
            _end = offset + count;
        }

        public byte[] Data
        {
            get { return _data; }
        }

        /// <summary>Offset of the next element.</summary>
        public int Position
        {
            get { return _pos; }
        }

        public bool HasMore
        {
            get { return _pos < _end; }
        }

        /// <summary>Tag of the next element, or -1 at the end.</summary>
        public int PeekTag()
        {
            return _pos < _end ? _data[_pos] : -1;
        }

        /// <summary>
        /// Reads the next element's header and skips its value. Returns the tag; <paramref name="valueOffset"/>
        /// and <paramref name="valueLength"/> locate the value inside <see cref="Data"/>.
        /// </summary>
        public int ReadElement(out int valueOffset, out int valueLength)
        {
            if (_pos >= _end)
                throw new DerFormatException("element expected at offset " + _pos.ToString() + ", end of data");
            int tag = _data[_pos];
            if ((tag & 0x1F) == 0x1F)
                throw new DerFormatException("high tag number at offset " + _pos.ToString() + " (not used by X.509)");
            int p = _pos + 1;
            if (p >= _end)
                throw new DerFormatException("length missing at offset " + p.ToString());
            int first = _data[p++];
            int length;
            if (first < 0x80)
            {
                length = first;
            }
            else
            {
                int n = first & 0x7F;
                if (n == 0)
                    throw new DerFormatException("indefinite length at offset " + (p - 1).ToString() + " (not DER)");
                if (n > 3)
                    throw new DerFormatException("length of " + n.ToString() + " bytes at offset " + (p - 1).ToString() + " is too large");
                if (n > _end - p)
                    throw new DerFormatException("length bytes truncated at offset " + (p - 1).ToString());
                if (_data[p] == 0)
                    throw new DerFormatException("non-minimal length at offset " + (p - 1).ToString() + " (not DER)");
                length = 0;
                for (int i = 0; i < n; i++)
                    length = (length << 8) | _data[p++];
                if (length < 0x80)
                    throw new DerFormatException("non-minimal length at offset " + (p - n - 1).ToString() + " (not DER)");
            }
            if (length > _end - p)
                throw new DerFormatException("length " + length.ToString() + " at offset " + _pos.ToString() + " runs past the end of its container");
            valueOffset = p;
            valueLength = length;
            _pos = p + length;
            return tag;
        }

        /// <summary>Reads the next element, which must have <paramref name="tag"/>.</summary>
        public void ReadExpected(int tag, out int valueOffset, out int valueLength)
        {
            int start = _pos;
            int actual = ReadElement(out valueOffset, out valueLength);
            if (actual != tag)
                throw new DerFormatException("tag 0x" + Hex.ToLower(new byte[] { (byte)actual }) + " at offset " + start.ToString() + ", expected 0x" + Hex.ToLower(new byte[] { (byte)tag }));
        }

        /// <summary>Reads an element with <paramref name="tag"/> and returns its offset and total length (header included), e.g. to hash the TBS part.</summary>
        public int ReadRaw(int tag, out int elementOffset)
        {
            elementOffset = _pos;
            int valueOffset;
            int valueLength;
            ReadExpected(tag, out valueOffset, out valueLength);
            return valueOffset + valueLength - elementOffset;
        }

        /// <summary>A copy of the next element (header included), which must have <paramref name="tag"/>.</summary>
        public byte[] ReadRawBytes(int tag)
        {
            int offset;
            int length = ReadRaw(tag, out offset);
            return Copy(offset, length);
        }

        /// <summary>Enters a constructed element (SEQUENCE, SET, [n]) with <paramref name="tag"/>.</summary>
        public DerReader ReadConstructed(int tag)
        {
            int valueOffset;
            int valueLength;
            ReadExpected(tag, out valueOffset, out valueLength);
            return new DerReader(_data, valueOffset, valueLength);
        }

        public DerReader ReadSequence()
        {
            return ReadConstructed(Sequence);
        }

        public void Skip()
        {
            int valueOffset;
            int valueLength;
            ReadElement(out valueOffset, out valueLength);
        }

        /// <summary>The content bytes of an INTEGER, exactly as encoded (minimal two's complement).</summary>
        public byte[] ReadIntegerBytes()
        {
            int offset;
            int length;
            ReadExpected(Integer, out offset, out length);
            if (length == 0)
                throw new DerFormatException("empty INTEGER at offset " + offset.ToString());
            if (length > 1 && ((_data[offset] == 0x00 && _data[offset + 1] < 0x80) || (_data[offset] == 0xFF && _data[offset + 1] >= 0x80)))
                throw new DerFormatException("non-minimal INTEGER at offset " + offset.ToString());
            return Copy(offset, length);
        }

        /// <summary>A non-negative INTEGER that fits in 31 bits (versions, path lengths).</summary>
        public int ReadSmallInteger()
        {
            byte[] bytes = ReadIntegerBytes();
            if (bytes[0] >= 0x80)
                throw new DerFormatException("negative INTEGER where a count was expected");
            if (bytes.Length > 4 || (bytes.Length == 4 && bytes[0] >= 0x80))
                throw new DerFormatException("INTEGER too large");
            int value = 0;
            for (int i = 0; i < bytes.Length; i++)
                value = (value << 8) | bytes[i];
            return value;
        }

        public bool ReadBoolean()
        {
            int offset;
            int length;
            ReadExpected(Boolean, out offset, out length);
            if (length != 1)
                throw new DerFormatException("BOOLEAN of length " + length.ToString());
            if (_data[offset] == 0x00)
                return false;
            if (_data[offset] == 0xFF)
                return true;
            throw new DerFormatException("BOOLEAN that is neither 00 nor FF (not DER)");
        }

        public void ReadNull()
        {
            int offset;
            int length;
            ReadExpected(Null, out offset, out length);
            if (length != 0)
                throw new DerFormatException("NULL with content");
        }

        /// <summary>An OBJECT IDENTIFIER in dotted form ("1.2.840.10045.4.3.2").</summary>
        public string ReadOid()
        {
            int offset;
            int length;
            ReadExpected(ObjectIdentifier, out offset, out length);
            if (length == 0 || length > 64)
                throw new DerFormatException("OBJECT IDENTIFIER of length " + length.ToString());
            string text = "";
            int end = offset + length;
            int p = offset;
            bool firstArc = true;
            while (p < end)
            {
                if (_data[p] == 0x80)
                    throw new DerFormatException("non-minimal OBJECT IDENTIFIER arc at offset " + p.ToString());
                int value = 0;
                int bytes = 0;
                while (true)
                {
                    if (p >= end)
                        throw new DerFormatException("truncated OBJECT IDENTIFIER arc");
                    int b = _data[p++];
                    bytes++;
                    if (bytes > 4)
                        throw new DerFormatException("OBJECT IDENTIFIER arc too large");
                    value = (value << 7) | (b & 0x7F);
                    if ((b & 0x80) == 0)
                        break;
                }
                if (firstArc)
                {
                    int top = value < 40 ? 0 : (value < 80 ? 1 : 2);
                    text = top.ToString() + "." + (value - 40 * top).ToString();
                    firstArc = false;
                }
                else
                {
                    text = text + "." + value.ToString();
                }
            }
            return text;
        }

        /// <summary>
        /// UTCTime (YYMMDDHHMMSSZ, 50..99 = 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ), seconds and 'Z'
        /// required as RFC 5280 demands. Years outside the device's DateTime range (1601..3000) are clamped
        /// to it: 99991231235959Z ("no expiry") becomes the device's maximum.
        /// </summary>
        public DateTime ReadTime()
        {
            int offset;
            int length;
            int start = _pos;
            int tag = ReadElement(out offset, out length);
            int year;
            int p;
            if (tag == UtcTimeTag)
            {
                if (length != 13)
                    throw new DerFormatException("UTCTime of length " + length.ToString() + " at offset " + start.ToString());
                year = DigitPair(offset);
                year += year < 50 ? 2000 : 1900;
                p = offset + 2;
            }
            else if (tag == GeneralizedTime)
            {
                if (length != 15)
                    throw new DerFormatException("GeneralizedTime of length " + length.ToString() + " at offset " + start.ToString());
                year = DigitPair(offset) * 100 + DigitPair(offset + 2);
                p = offset + 4;
            }
            else
            {
                throw new DerFormatException("time expected at offset " + start.ToString());
            }
            if (_data[p + 10] != (byte)'Z')
                throw new DerFormatException("time at offset " + start.ToString() + " is not UTC ('Z')");
            int month = DigitPair(p);
            int day = DigitPair(p + 2);
            int hour = DigitPair(p + 4);
            int minute = DigitPair(p + 6);
            int second = DigitPair(p + 8);
            if (year > UtcTime.MaxYear)
                return new DateTime(UtcTime.MaxYear, 12, 31, 23, 59, 59);
            if (year < UtcTime.MinYear)
                return new DateTime(UtcTime.MinYear, 1, 1, 0, 0, 0);
            DateTime time;
            if (!UtcTime.TryCreate(year, month, day, hour, minute, second, out time))
                throw new DerFormatException("impossible date at offset " + start.ToString());
            return time;
        }

        private int DigitPair(int at)
        {
            int hi = _data[at] - '0';
            int lo = _data[at + 1] - '0';
            if (hi < 0 || hi > 9 || lo < 0 || lo > 9)
                throw new DerFormatException("non-digit in time at offset " + at.ToString());
            return hi * 10 + lo;
        }

        /// <summary>A BIT STRING's content after its unused-bits byte; <paramref name="unusedBits"/> is 0..7.</summary>
        public void ReadBitString(out int offset, out int length, out int unusedBits)
        {
            int o;
            int l;
            ReadExpected(BitString, out o, out l);
            if (l == 0)
                throw new DerFormatException("BIT STRING without its unused-bits byte");
            unusedBits = _data[o];
            if (unusedBits > 7 || (l == 1 && unusedBits != 0))
                throw new DerFormatException("BIT STRING with " + unusedBits.ToString() + " unused bits");
            offset = o + 1;
            length = l - 1;
        }

        /// <summary>A BIT STRING that must hold whole bytes (keys, signatures); returns a copy.</summary>
        public byte[] ReadBitStringBytes()
        {
            int offset;
            int length;
            int unused;
            ReadBitString(out offset, out length, out unused);
            if (unused != 0)
                throw new DerFormatException("BIT STRING with unused bits where whole bytes are required");
            return Copy(offset, length);
        }

        /// <summary>Fails when anything follows the last element read.</summary>
        public void ExpectEnd()
        {
            if (_pos != _end)
                throw new DerFormatException((_end - _pos).ToString() + " unexpected bytes at offset " + _pos.ToString());
        }

        public byte[] Copy(int offset, int length)
        {
            byte[] copy = new byte[length];
            Array.Copy(_data, offset, copy, 0, length);
            return copy;
        }
    }
}
