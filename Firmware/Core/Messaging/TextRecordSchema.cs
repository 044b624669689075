using System;

namespace IotDevice.Core.Messaging
{
    /// <summary>
    /// One record type of README "Device protocols": its header line, its field names in their fixed order, how many of
    /// them are required (the rest may be absent, never reordered), and the largest payload accepted.
    /// </summary>
    public sealed class TextRecordSchema
    {
        private readonly string[] _fields;

        public TextRecordSchema(string header, string[] fields, int requiredCount, int maxBytes)
        {
            if (header == null || header.Length == 0)
                throw new ArgumentException("header is empty");
            if (fields == null || fields.Length == 0)
                throw new ArgumentException("a record needs fields");
            if (requiredCount < 0 || requiredCount > fields.Length)
                throw new ArgumentOutOfRangeException("requiredCount");
            if (maxBytes <= 0)
                throw new ArgumentOutOfRangeException("maxBytes");
            for (int i = 0; i < fields.Length; i++)
            {
                if (!TextRecord.IsValidName(fields[i]))
                    throw new ArgumentException("field name '" + fields[i] + "' is not a-z 0-9 '-'");
                for (int j = 0; j < i; j++)
                {
                    if (fields[j] == fields[i])
                        throw new ArgumentException("field '" + fields[i] + "' is defined twice");
                }
            }
            Header = header;
            _fields = fields;
            RequiredCount = requiredCount;
            MaxBytes = maxBytes;
        }

        public string Header { get; private set; }

        public int FieldCount
        {
            get { return _fields.Length; }
        }

        /// <summary>Fields 0..RequiredCount-1 must be present; the rest are optional.</summary>
        public int RequiredCount { get; private set; }

        public int MaxBytes { get; private set; }

        public string FieldName(int index)
        {
            return _fields[index];
        }

        /// <summary>Index of <paramref name="name"/>, or -1.</summary>
        public int IndexOf(string name)
        {
            for (int i = 0; i < _fields.Length; i++)
            {
                if (_fields[i] == name)
                    return i;
            }
            return -1;
        }
    }
}
