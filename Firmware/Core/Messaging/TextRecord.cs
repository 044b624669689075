using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// The <c>name=value</c> line format of README "Device protocols": a header line, then one field per line in the
    /// schema's fixed order, every line ending in '\n'. The parser is strict and total: any deviation is a
    /// <see cref="TextRecordException"/> with a named reason, never another exception, and only printable
    /// ASCII is accepted.
    /// Threat: the payload comes from the network (a broker, or whoever can publish to the device's
    /// response topic); a lenient parser would let two spellings of one record differ in what different
    /// readers see (duplicate fields, '\r', hidden characters). The writer produces the one canonical form.
    /// </summary>
    public sealed class TextRecord
    {
        private readonly TextRecordSchema _schema;
        private readonly string[] _values;

        /// <summary>A record with all fields absent; fill it with <see cref="Set"/>.</summary>
        public TextRecord(TextRecordSchema schema)
        {
            if (schema == null)
                throw new ArgumentNullException("schema");
            _schema = schema;
            _values = new string[schema.FieldCount];
        }

        public TextRecordSchema Schema
        {
            get { return _schema; }
        }

        /// <summary>The value of <paramref name="name"/>, or null when absent (an optional field).</summary>
        public string Get(string name)
        {
            return _values[Index(name)];
        }

        public void Set(string name, string value)
        {
            if (value != null)
            {
                for (int i = 0; i < value.Length; i++)
                {
                    if (!IsValueChar(value[i]))
                        throw new ArgumentException("field '" + name + "' has a character outside printable ASCII at " + i.ToString());
                }
            }
            _values[Index(name)] = value;
        }

        private int Index(string name)
        {
            int index = _schema.IndexOf(name);
            if (index < 0)
                throw new ArgumentException("record '" + _schema.Header + "' has no field '" + name + "'");
            return index;
        }

        /// <summary>Canonical bytes: header, then every present field in order; throws if a required field is absent or it is too large.</summary>
        public byte[] ToBytes()
        {
            int length = _schema.Header.Length + 1;
            for (int i = 0; i < _values.Length; i++)
            {
                if (_values[i] == null)
                {
                    if (i < _schema.RequiredCount)
                        throw new InvalidOperationException("record '" + _schema.Header + "': required field '" + _schema.FieldName(i) + "' is not set");
                    continue;
                }
                length += _schema.FieldName(i).Length + 1 + _values[i].Length + 1;
            }
            if (length > _schema.MaxBytes)
                throw new InvalidOperationException("record '" + _schema.Header + "' is " + length.ToString() + " bytes, more than " + _schema.MaxBytes.ToString());
            byte[] bytes = new byte[length];
            int o = PutAscii(bytes, 0, _schema.Header);
            bytes[o++] = (byte)'\n';
            for (int i = 0; i < _values.Length; i++)
            {
                if (_values[i] == null)
                    continue;
                o = PutAscii(bytes, o, _schema.FieldName(i));
                bytes[o++] = (byte)'=';
                o = PutAscii(bytes, o, _values[i]);
                bytes[o++] = (byte)'\n';
            }
            return bytes;
        }

        private static int PutAscii(byte[] bytes, int at, string text)
        {
            for (int i = 0; i < text.Length; i++)
                bytes[at++] = (byte)text[i];
            return at;
        }

        /// <summary>Parses <paramref name="payload"/> against <paramref name="schema"/>; throws only <see cref="TextRecordException"/>.</summary>
        public static TextRecord Parse(TextRecordSchema schema, byte[] payload)
        {
            if (schema == null)
                throw new ArgumentNullException("schema");
            if (payload == null)
                throw new TextRecordException(TextRecordError.BadLine, "record '" + schema.Header + "' is missing (no payload)");
            if (payload.Length > schema.MaxBytes)
                throw new TextRecordException(TextRecordError.Oversize, "record is " + payload.Length.ToString() + " bytes, more than " + schema.MaxBytes.ToString() + " for '" + schema.Header + "'");
            for (int i = 0; i < payload.Length; i++)
            {
                byte b = payload[i];
                if (b != (byte)'\n' && (b < 0x20 || b > 0x7E))
                    throw new TextRecordException(TextRecordError.BadCharacters, "byte 0x" + Hex.ToLower(payload, i, 1) + " at offset " + i.ToString() + " is not printable ASCII");
            }
            if (payload.Length == 0 || payload[payload.Length - 1] != (byte)'\n')
                throw new TextRecordException(TextRecordError.BadLine, "the last line has no '\\n' ending (truncated record?)");

            TextRecord record = new TextRecord(schema);
            int lineStart = 0;
            int lineNo = 0;
            int lastIndex = -1;
            while (lineStart < payload.Length)
            {
                int lineEnd = lineStart;
                while (payload[lineEnd] != (byte)'\n')
                    lineEnd++;
                lineNo++;
                if (lineNo == 1)
                {
                    if (!SameAscii(payload, lineStart, lineEnd - lineStart, schema.Header))
                        throw new TextRecordException(TextRecordError.UnknownHeader, "first line '" + Ascii(payload, lineStart, lineEnd - lineStart, 60) + "' is not '" + schema.Header + "'");
                }
                else
                {
                    lastIndex = record.ParseField(payload, lineStart, lineEnd, lineNo, lastIndex);
                }
                lineStart = lineEnd + 1;
            }
            for (int i = 0; i < schema.RequiredCount; i++)
            {
                if (record._values[i] == null)
                    throw new TextRecordException(TextRecordError.MissingField, "field '" + schema.FieldName(i) + "' is missing from '" + schema.Header + "'");
            }
            return record;
        }

        private int ParseField(byte[] payload, int start, int end, int lineNo, int lastIndex)
        {
            int eq = -1;
            for (int i = start; i < end; i++)
            {
                if (payload[i] == (byte)'=')
                {
                    eq = i;
                    break;
                }
            }
            if (end == start)
                throw new TextRecordException(TextRecordError.BadLine, "line " + lineNo.ToString() + " is empty");
            if (eq < 0)
                throw new TextRecordException(TextRecordError.BadLine, "line " + lineNo.ToString() + " has no '='");
            if (eq == start || eq - start > 32)
                throw new TextRecordException(TextRecordError.BadCharacters, "line " + lineNo.ToString() + " has an empty or too long field name");
            for (int i = start; i < eq; i++)
            {
                if (!IsNameChar((char)payload[i]))
                    throw new TextRecordException(TextRecordError.BadCharacters, "line " + lineNo.ToString() + ": field name has character '" + ((char)payload[i]).ToString() + "'");
            }
            string name = Ascii(payload, start, eq - start, 32);
            int index = _schema.IndexOf(name);
            if (index < 0)
                throw new TextRecordException(TextRecordError.UnknownField, "line " + lineNo.ToString() + ": '" + _schema.Header + "' has no field '" + name + "'");
            if (_values[index] != null)
                throw new TextRecordException(TextRecordError.DuplicateField, "line " + lineNo.ToString() + ": field '" + name + "' appears twice");
            if (index < lastIndex)
                throw new TextRecordException(TextRecordError.OutOfOrderField, "line " + lineNo.ToString() + ": field '" + name + "' must come before '" + _schema.FieldName(lastIndex) + "'");
            _values[index] = Ascii(payload, eq + 1, end - eq - 1, int.MaxValue);
            return index;
        }

        private static bool SameAscii(byte[] data, int offset, int count, string text)
        {
            if (count != text.Length)
                return false;
            for (int i = 0; i < count; i++)
            {
                if (data[offset + i] != (byte)text[i])
                    return false;
            }
            return true;
        }

        /// <summary>The bytes as a string (they were checked to be ASCII), cut at <paramref name="max"/> characters for messages.</summary>
        private static string Ascii(byte[] data, int offset, int count, int max)
        {
            int n = count < max ? count : max;
            char[] chars = new char[n];
            for (int i = 0; i < n; i++)
                chars[i] = (char)data[offset + i];
            return new string(chars);
        }

        internal static bool IsNameChar(char c)
        {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }

        private static bool IsValueChar(char c)
        {
            return c >= ' ' && c <= '~';
        }

        internal static bool IsValidName(string name)
        {
            if (name == null || name.Length == 0 || name.Length > 32)
                return false;
            for (int i = 0; i < name.Length; i++)
            {
                if (!IsNameChar(name[i]))
                    return false;
            }
            return true;
        }
    }
}
